return 'from the script directory'
