#include "textflag.h"

// func transpose8(dst, src unsafe.Pointer, tr, tc int, ld, ls uintptr)
//
// For each of tr×tc tiles of 8×8 doubles: load the tile's 8 rows of src
// (Z0-Z7), transpose them in registers and store them as 8 rows of dst.
// The transpose: unpack pairs of rows (Z8-Z15), then gather 128-bit
// chunks twice with VSHUFF64X2 (Z16-Z23, then Z0-Z7).
TEXT ·transpose8(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ tr+16(FP), R8
	MOVQ tc+24(FP), R9
	MOVQ ld+32(FP), R10
	MOVQ ls+40(FP), R11
	LEAQ (R10)(R10*2), R12 // 3·ld
	LEAQ (R11)(R11*2), R13 // 3·ls

rows:
	// BX walks src's tiles of this band of 8 rows, DX dst's tiles of
	// this band of 8 columns.
	MOVQ SI, BX
	MOVQ DI, DX
	MOVQ R9, CX

tile:
	LEAQ (BX)(R11*4), AX
	VMOVUPD (BX), Z0
	VMOVUPD (BX)(R11*1), Z1
	VMOVUPD (BX)(R11*2), Z2
	VMOVUPD (BX)(R13*1), Z3
	VMOVUPD (AX), Z4
	VMOVUPD (AX)(R11*1), Z5
	VMOVUPD (AX)(R11*2), Z6
	VMOVUPD (AX)(R13*1), Z7
	VUNPCKLPD Z1, Z0, Z8
	VUNPCKHPD Z1, Z0, Z9
	VUNPCKLPD Z3, Z2, Z10
	VUNPCKHPD Z3, Z2, Z11
	VUNPCKLPD Z5, Z4, Z12
	VUNPCKHPD Z5, Z4, Z13
	VUNPCKLPD Z7, Z6, Z14
	VUNPCKHPD Z7, Z6, Z15
	VSHUFF64X2 $0x88, Z10, Z8, Z16
	VSHUFF64X2 $0xDD, Z10, Z8, Z17
	VSHUFF64X2 $0x88, Z11, Z9, Z18
	VSHUFF64X2 $0xDD, Z11, Z9, Z19
	VSHUFF64X2 $0x88, Z14, Z12, Z20
	VSHUFF64X2 $0xDD, Z14, Z12, Z21
	VSHUFF64X2 $0x88, Z15, Z13, Z22
	VSHUFF64X2 $0xDD, Z15, Z13, Z23
	VSHUFF64X2 $0x88, Z20, Z16, Z0
	VSHUFF64X2 $0x88, Z22, Z18, Z1
	VSHUFF64X2 $0x88, Z21, Z17, Z2
	VSHUFF64X2 $0x88, Z23, Z19, Z3
	VSHUFF64X2 $0xDD, Z20, Z16, Z4
	VSHUFF64X2 $0xDD, Z22, Z18, Z5
	VSHUFF64X2 $0xDD, Z21, Z17, Z6
	VSHUFF64X2 $0xDD, Z23, Z19, Z7
	LEAQ (DX)(R10*4), AX
	VMOVUPD Z0, (DX)
	VMOVUPD Z1, (DX)(R10*1)
	VMOVUPD Z2, (DX)(R10*2)
	VMOVUPD Z3, (DX)(R12*1)
	VMOVUPD Z4, (AX)
	VMOVUPD Z5, (AX)(R10*1)
	VMOVUPD Z6, (AX)(R10*2)
	VMOVUPD Z7, (AX)(R12*1)
	ADDQ $64, BX           // the next 8 columns of src
	LEAQ (DX)(R10*8), DX   // the next 8 rows of dst
	DECQ CX
	JNZ  tile

	LEAQ (SI)(R11*8), SI // the next 8 rows of src
	ADDQ $64, DI         // the next 8 columns of dst
	DECQ R8
	JNZ  rows

	VZEROUPPER
	RET
