/* setjmp/longjmp for wasm32-wasip1 guests, built on the wasm exception-handling proposal.
 *
 * clang lowers setjmp/longjmp calls (with -mllvm -wasm-enable-sjlj) into calls to the runtime in
 * wasm_sjlj.c; this header only has to give jmp_buf a size and alignment large enough for that runtime's
 * bookkeeping, and declare the two functions so the lowering pass can find them by name. */
#ifndef TSWASM_SETJMP_H
#define TSWASM_SETJMP_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct __jmp_buf_tag {
    /* Six pointer-sized words are reserved by LLVM's convention; the rest is headroom. */
    unsigned long __words[8];
} jmp_buf[1];

typedef jmp_buf sigjmp_buf;

int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int val);

#define _setjmp(env) setjmp(env)
#define _longjmp(env, val) longjmp(env, val)
#define sigsetjmp(env, savemask) setjmp(env)
#define siglongjmp(env, val) longjmp(env, val)

#ifdef __cplusplus
}
#endif
#endif
