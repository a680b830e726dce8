#include "textflag.h"
#include "consts_amd64.h"

// func exp8(dst, x unsafe.Pointer, n int, table unsafe.Pointer)
//
// Eight lanes at a time, exp(x) as the standard library's amd64 Exp
// computes it on its FMA path, for x in [-708, 709).
TEXT ·exp8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ table+24(FP), AX
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPD (SI), Z0
	EXP_FMA(Z0, Y1, Z2, Z3)
	VMOVUPD Z3, (DI)

	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
