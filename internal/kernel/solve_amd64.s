#include "textflag.h"

// func solveUT(u, b unsafe.Pointer, n int)
//
// For k = 0..n-1: b[k] *= 1/u[k][k]; then for i > k, 8 at a time (the
// last block masked), b[i] += (-b[k])·u[k][i] where u[k][i] != 0 (the
// product is -u[k][i]·b[k] to the bit).
TEXT ·solveUT(SB), NOSPLIT, $0-24
	MOVQ u+0(FP), SI
	MOVQ b+8(FP), DI
	MOVQ n+16(FP), CX
	MOVQ CX, R8
	SHLQ $3, R8          // row stride in bytes
	VXORPD Z0, Z0, Z0    // zeros
	MOVQ $0x8000000000000000, AX
	VPBROADCASTQ AX, Z7  // sign mask
	XORQ R9, R9          // k
	MOVQ $0x3ff0000000000000, R13 // 1.0

rowloop:
	CMPQ R9, CX
	JGE  done
	// d = u[k][k]; b[k] *= 1/d
	MOVQ    R9, AX
	IMULQ   R8, AX
	LEAQ    (SI)(AX*1), R10      // &u[k][0]
	VMOVSD  (R10)(R9*8), X1      // u[k][k]
	VMOVQ   R13, X2              // 1.0
	VDIVSD  X1, X2, X2           // 1/d
	VMOVSD  (DI)(R9*8), X3
	VMULSD  X2, X3, X3           // b[k]·(1/d)
	VMOVSD  X3, (DI)(R9*8)
	VBROADCASTSD X3, Z4
	VPXORQ  Z7, Z4, Z4           // -b[k]
	// i from k+1 to n-1
	LEAQ 1(R9), R11              // i
colloop:
	MOVQ CX, R12
	SUBQ R11, R12                // lanes left
	JLE  nextrow
	MOVQ $0xff, AX
	CMPQ R12, $8
	JGE  full
	MOVQ R12, BX
	MOVQ $1, AX
	XCHGQ BX, CX
	SHLQ CX, AX
	XCHGQ BX, CX
	DECQ AX
full:
	KMOVW AX, K1                 // lanes inside the row
	VMOVUPD.Z (R10)(R11*8), K1, Z5
	VCMPPD  $4, Z0, Z5, K1, K2   // and u[k][i] != 0 (true for NaN, as Go's !=)
	VMULPD  Z5, Z4, Z6
	VMOVUPD.Z (DI)(R11*8), K1, Z8
	VADDPD  Z6, Z8, K2, Z8
	VMOVUPD Z8, K1, (DI)(R11*8)
	ADDQ $8, R11
	JMP  colloop
nextrow:
	INCQ R9
	JMP  rowloop

done:
	VZEROUPPER
	RET
