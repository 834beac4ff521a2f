return { greeting = "hello from a granted dir" }
