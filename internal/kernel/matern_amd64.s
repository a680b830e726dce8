#include "textflag.h"
#include "consts_amd64.h"

// func matern8(dst, r2 unsafe.Pointer, n int, table unsafe.Pointer)
//
// Eight lanes at a time: r = √(5·r2), (1 + r + r·r/3)·exp(-r), in the
// order Matern52At computes it. Lanes with r2 outside [0, 90000) are
// computed too and put right by the caller.
TEXT ·matern8(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ r2+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ table+24(FP), AX
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPD (SI), Z0
	VMULPD  C_FIVE, Z0, Z1 // 5·r2
	VSQRTPD Z1, Z1         // r
	VADDPD  C_ONE, Z1, Z2  // 1 + r
	VMULPD  Z1, Z1, Z3     // r·r
	VDIVPD  C_THREE, Z3, Z3
	VADDPD  Z3, Z2, Z2     // 1 + r + r·r/3
	VPXORQ  C_SIGN, Z1, Z4 // -r
	EXP_FMA(Z4, Y5, Z6, Z7)
	VMULPD  Z7, Z2, Z2
	VMOVUPD Z2, (DI)

	ADDQ $64, SI
	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
