//go:build amd64 && !amd64.v3

#include "textflag.h"

// Offsets of the constants in tanhTable (64 bytes each).
#define C_ABS 0(AX)
#define C_SIGN 64(AX)
#define C_LOG2E 128(AX)
#define C_LN2U 192(AX)
#define C_LN2L 256(AX)
#define C_SIXTEENTH 320(AX)
#define C_E8 384(AX)
#define C_E7 448(AX)
#define C_E6 512(AX)
#define C_E5 576(AX)
#define C_E4 640(AX)
#define C_E3 704(AX)
#define C_HALF 768(AX)
#define C_ONE 832(AX)
#define C_TWO 896(AX)
#define C_BIAS 960(AX)
#define C_P0 1024(AX)
#define C_P1 1088(AX)
#define C_P2 1152(AX)
#define C_Q0 1216(AX)
#define C_Q1 1280(AX)
#define C_Q2 1344(AX)
#define C_MID 1408(AX)
#define C_BIG 1472(AX)
#define C_ZERO 1536(AX)

// func tanh8(y unsafe.Pointer, n int, table unsafe.Pointer)
//
// Eight lanes at a time, both of math.Tanh's branches are computed and
// the lane's own kept: for |x| < 0.625 the rational function, for
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
	VADDPD       Z1, Z1, Z2     // w = 2z
	VMULPD       C_LOG2E, Z2, Z3
	VCVTPD2DQ    Z3, Y4         // k = round(w·log2 e)
	VCVTDQ2PD    Y4, Z5
	VFNMADD231PD C_LN2U, Z5, Z2 // w -= k·ln2 (upper), fused
	VFNMADD231PD C_LN2L, Z5, Z2 // w -= k·ln2 (lower), fused
	VMULPD       C_SIXTEENTH, Z2, Z2
	VMOVUPD      C_E8, Z6
	VFMADD213PD  C_E7, Z2, Z6
	VFMADD213PD  C_E6, Z2, Z6
	VFMADD213PD  C_E5, Z2, Z6
	VFMADD213PD  C_E4, Z2, Z6
	VFMADD213PD  C_E3, Z2, Z6
	VFMADD213PD  C_HALF, Z2, Z6
	VFMADD213PD  C_ONE, Z2, Z6
	VMULPD       Z6, Z2, Z2     // e^(w/16) - 1
	VADDPD       C_TWO, Z2, Z6  // squared four times: (y+2)·y
	VMULPD       Z6, Z2, Z2
	VADDPD       C_TWO, Z2, Z6
	VMULPD       Z6, Z2, Z2
	VADDPD       C_TWO, Z2, Z6
	VMULPD       Z6, Z2, Z2
	VADDPD       C_TWO, Z2, Z6
	VFMADD213PD  C_ONE, Z6, Z2  // e^w
	VPMOVSXDQ    Y4, Z7
	VPADDQ       C_BIAS, Z7, Z7
	VPSLLQ       $52, Z7, Z7
	VMULPD       Z7, Z2, Z2     // s = e^w · 2^k

	// middle: 1 - 2/(s+1), with x's sign
	VADDPD  C_ONE, Z2, Z2
	VMOVUPD C_TWO, Z8
	VDIVPD  Z2, Z8, Z8
	VMOVUPD C_ONE, Z9
	VSUBPD  Z8, Z9, Z9
	VPANDQ  C_SIGN, Z0, Z10
	VPORQ   Z10, Z9, Z9

	// small: x + x·s·P(s)/Q(s), s = x²
	VMULPD Z0, Z0, Z11
	VMULPD C_P0, Z11, Z12
	VADDPD C_P1, Z12, Z12
	VMULPD Z11, Z12, Z12
	VADDPD C_P2, Z12, Z12
	VADDPD C_Q0, Z11, Z13
	VMULPD Z11, Z13, Z13
	VADDPD C_Q1, Z13, Z13
	VMULPD Z11, Z13, Z13
	VADDPD C_Q2, Z13, Z13
	VMULPD Z11, Z0, Z14
	VMULPD Z12, Z14, Z14
	VDIVPD Z13, Z14, Z14
	VADDPD Z14, Z0, Z14

	// choose per lane
	VCMPPD  $0x1d, C_MID, Z1, K1 // z >= 0.625
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
