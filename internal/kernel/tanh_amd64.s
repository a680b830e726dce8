#include "textflag.h"

// Offsets of tanh8's constants in its table (tanh_amd64.go), 64 bytes each.
#define T_SIGN 0(AX)
#define T_FLOOR 64(AX)
#define T_LOG2E 128(AX)
#define T_MAGIC 192(AX)
#define T_LN2HI 256(AX)
#define T_LN2LO 320(AX)
#define T_ONE 384(AX)
#define T_TWO 448(AX)
#define T_EXPADJ 512(AX)
#define T_C13 576(AX)
#define T_C12 640(AX)
#define T_C11 704(AX)
#define T_C10 768(AX)
#define T_C9 832(AX)
#define T_C8 896(AX)
#define T_C7 960(AX)
#define T_C6 1024(AX)
#define T_C5 1088(AX)
#define T_C4 1152(AX)
#define T_C3 1216(AX)
#define T_C2 1280(AX)
#define T_C1 1344(AX)

// func tanh8(y unsafe.Pointer, n int, table unsafe.Pointer)
//
// TanhOf, 8 lanes at a time, operation for operation.
TEXT ·tanh8(SB), NOSPLIT, $0-24
	MOVQ y+0(FP), DI
	MOVQ n+8(FP), CX
	MOVQ table+16(FP), AX
	VMOVUPD T_FLOOR, Z18
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPD (DI), Z0
	VPORQ   T_SIGN, Z0, Z1   // −|x|
	VADDPD  Z1, Z1, Z1       // −2|x|
	VMAXPD  Z1, Z18, Z1      // w = max(−2|x|, −40), NaN kept
	VMULPD  T_LOG2E, Z1, Z2
	VADDPD  T_MAGIC, Z2, Z2  // y
	VSUBPD  T_MAGIC, Z2, Z3  // k
	VFNMADD231PD T_LN2HI, Z3, Z1 // r = w − k·ln2hi
	VFNMADD231PD T_LN2LO, Z3, Z1 // r −= k·ln2lo
	VMOVUPD T_C13, Z4
	VFMADD213PD T_C12, Z1, Z4
	VFMADD213PD T_C11, Z1, Z4
	VFMADD213PD T_C10, Z1, Z4
	VFMADD213PD T_C9, Z1, Z4
	VFMADD213PD T_C8, Z1, Z4
	VFMADD213PD T_C7, Z1, Z4
	VFMADD213PD T_C6, Z1, Z4
	VFMADD213PD T_C5, Z1, Z4
	VFMADD213PD T_C4, Z1, Z4
	VFMADD213PD T_C3, Z1, Z4
	VFMADD213PD T_C2, Z1, Z4
	VFMADD213PD T_C1, Z1, Z4
	VMULPD  Z1, Z4, Z4       // p = q·r
	VPADDQ  T_EXPADJ, Z2, Z5
	VPSLLQ  $52, Z5, Z5      // s = 2^k
	VSUBPD  T_ONE, Z5, Z6    // s − 1
	VFMADD231PD Z4, Z5, Z6   // m = s·p + (s − 1)
	VADDPD  T_TWO, Z6, Z7    // m + 2
	VDIVPD  Z7, Z6, Z6       // m/(m + 2)
	VPTERNLOGQ $0xd8, T_SIGN, Z0, Z6 // with x's sign
	VMOVUPD Z6, (DI)

	ADDQ $64, DI
	DECQ CX
	JNZ  loop

done:
	VZEROUPPER
	RET
