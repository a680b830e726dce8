#include "textflag.h"

// func adam8(params, grads, m, v unsafe.Pointer, n int, coef unsafe.Pointer)
//
// coef: β1, 1-β1, β2, 1-β2, StepSize, InvSqrtC2, Eps, Decay. Eight lanes at a
// time, the operations of adamGo in its order.
TEXT ·adam8(SB), NOSPLIT, $0-48
	MOVQ params+0(FP), DI
	MOVQ grads+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ coef+40(FP), AX
	VBROADCASTSD 0(AX), Z16  // β1
	VBROADCASTSD 8(AX), Z17  // 1-β1
	VBROADCASTSD 16(AX), Z18 // β2
	VBROADCASTSD 24(AX), Z19 // 1-β2
	VBROADCASTSD 32(AX), Z20 // StepSize
	VBROADCASTSD 40(AX), Z21 // InvSqrtC2
	VBROADCASTSD 48(AX), Z23 // Eps
	VBROADCASTSD 56(AX), Z24 // Decay
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPD (SI), Z0  // g
	VMOVUPD (DX), Z1  // m
	VMOVUPD (R8), Z2  // v
	VMOVUPD (DI), Z3  // p

	VMULPD Z16, Z1, Z4 // β1·m
	VMULPD Z17, Z0, Z5 // (1-β1)·g
	VADDPD Z5, Z4, Z1
	VMOVUPD Z1, (DX)

	VMULPD Z18, Z2, Z4 // β2·v
	VMULPD Z19, Z0, Z5 // (1-β2)·g
	VMULPD Z0, Z5, Z5  // ·g
	VADDPD Z5, Z4, Z2
	VMOVUPD Z2, (R8)

	VMULPD  Z1, Z20, Z4 // StepSize·m
	VSQRTPD Z2, Z5      // √v
	VMULPD  Z21, Z5, Z5 // ·InvSqrtC2
	VADDPD  Z23, Z5, Z5 // + Eps
	VDIVPD  Z5, Z4, Z4  // step
	VMULPD  Z24, Z3, Z5 // Decay·p
	VADDPD  Z5, Z4, Z4
	VSUBPD  Z4, Z3, Z3  // p - (step + Decay·p)
	VMOVUPD Z3, (DI)

	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
