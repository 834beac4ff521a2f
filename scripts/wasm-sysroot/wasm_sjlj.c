/* The runtime half of LLVM's wasm setjmp/longjmp lowering (WebAssemblyLowerEmscriptenEHSjLj.cpp, the
 * exception-handling variant). Debian's wasi-libc snapshot predates it, so tswasm carries its own.
 *
 * How the pieces meet:
 *  - every function that calls setjmp gets a unique "invocation id" (the address of a local) and a
 *    label per setjmp call site; setjmp(env) becomes __wasm_setjmp(env, label, id);
 *  - longjmp(env, val) becomes __wasm_longjmp(env, val), which throws the tag __c_longjmp with a
 *    pointer to {env, val};
 *  - every such function catches __c_longjmp and asks __wasm_setjmp_test(env, id) whether the target
 *    was set up by this very invocation; a non-zero label says where to resume, zero means rethrow.
 * The {env, val} pair lives inside the jmp_buf itself so it outlives the unwinding frames. */
#include <stdint.h>

struct sjlj_state {
    void *invocation_id;
    uint32_t label;
    struct longjmp_payload {
        void *env;
        int val;
    } payload;
};

_Static_assert(sizeof(struct sjlj_state) <= 8 * sizeof(unsigned long), "jmp_buf in setjmp.h is too small");

/* The exception tag. LLVM >= 19 expects exactly one definition in the program, no longer one per
 * object file; its only parameter is the address of the payload. */
__asm__(".globl __c_longjmp\n"
        ".tagtype __c_longjmp i32\n"
        "__c_longjmp:\n");

void __wasm_setjmp(void *env, uint32_t label, void *invocation_id) {
    struct sjlj_state *state = env;
    state->invocation_id = invocation_id;
    state->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *invocation_id) {
    struct sjlj_state *state = env;
    return state->invocation_id == invocation_id ? state->label : 0;
}

_Noreturn void __wasm_longjmp(void *env, int val) {
    struct sjlj_state *state = env;
    state->payload.env = env;
    /* C requires longjmp(env, 0) to make setjmp return 1. */
    state->payload.val = val == 0 ? 1 : val;
    __builtin_wasm_throw(1, &state->payload);
}
