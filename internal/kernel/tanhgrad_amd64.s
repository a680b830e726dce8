#include "textflag.h"

// func tanhGrad8(d, y unsafe.Pointer, n int)
//
// d[i] = d[i]·(1 − y[i]·y[i]) for n values, 8 at a time, each operation
// rounded as in tanhGradGo.
TEXT ·tanhGrad8(SB), NOSPLIT, $0-24
	MOVQ d+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ $0x3ff0000000000000, AX // 1.0
	VPBROADCASTQ AX, Z16
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPD (SI), Z0
	VMULPD  Z0, Z0, Z0  // y·y
	VSUBPD  Z0, Z16, Z0 // 1 − y·y
	VMULPD  (DI), Z0, Z0
	VMOVUPD Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     loop

done:
	VZEROUPPER
	RET
