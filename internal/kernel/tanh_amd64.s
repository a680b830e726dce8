//go:build amd64 && !amd64.v3

#include "textflag.h"

#include "consts_amd64.h"

// func tanh8(y unsafe.Pointer, n int, table unsafe.Pointer)
//
// Eight lanes at a time, both of math.Tanh's branches are computed and
// the lane's own kept (each branch's one division done by a single
// division of the lane's own numerator and denominator): for |x| < 0.625 the rational function, for
// 0.625 <= |x| <= MAXLOG/2 1 - 2/(exp(2|x|)+1) with x's sign, beyond ±1,
// and x itself for x = ±0. exp is the standard library's amd64 kernel on
// its FMA path, operation for operation (2|x| <= 89 takes none of its
// overflow or subnormal exits).
TEXT ·tanh8(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ table+16(FP), AX
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPD (DI), Z0
	VPANDQ  C_ABS, Z0, Z1 // z = |x|

	// s = exp(2z)
	VADDPD  Z1, Z1, Z2 // w = 2z
	EXP_FMA(Z2, Y4, Z5, Z6)
	VMOVAPD Z6, Z2

	// The two branches' quotients, which one division computes: for
	// the middle 2/(s+1), for small x (x·s·P(s))/Q(s) with s = x².
	VADDPD  C_ONE, Z2, Z2 // middle: denominator s+1
	VMOVUPD C_TWO, Z8     // middle: numerator 2
	VMULPD  Z0, Z0, Z11
	VMULPD  C_P0, Z11, Z12
	VADDPD  C_P1, Z12, Z12
	VMULPD  Z11, Z12, Z12
	VADDPD  C_P2, Z12, Z12
	VADDPD  C_Q0, Z11, Z13
	VMULPD  Z11, Z13, Z13
	VADDPD  C_Q1, Z13, Z13
	VMULPD  Z11, Z13, Z13
	VADDPD  C_Q2, Z13, Z13 // small: denominator Q(s)
	VMULPD  Z11, Z0, Z14
	VMULPD  Z12, Z14, Z14  // small: numerator x·s·P(s)
	VCMPPD  $0x1d, C_MID, Z1, K1 // z >= 0.625: the middle branch
	VMOVAPD Z8, K1, Z14
	VMOVAPD Z2, K1, Z13
	VDIVPD  Z13, Z14, Z14 // the lane's quotient q

	// middle: 1 - q with x's sign; small: x + q
	VMOVUPD C_ONE, Z9
	VSUBPD  Z14, Z9, Z9
	VPANDQ  C_SIGN, Z0, Z10
	VPORQ   Z10, Z9, Z9
	VADDPD  Z14, Z0, Z14

	// choose per lane
	VMOVAPD Z9, K1, Z14
	VMOVUPD C_ONE, Z15
	VPORQ   Z10, Z15, Z15        // ±1
	VCMPPD  $0x1e, C_BIG, Z1, K2 // z > MAXLOG/2
	VMOVAPD Z15, K2, Z14
	VCMPPD  $0x00, C_ZERO, Z0, K3 // x == 0
	VMOVAPD Z0, K3, Z14
	VMOVUPD Z14, (DI)

	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
