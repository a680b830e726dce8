// Constants and the exp kernel shared by exp_amd64.s and matern_amd64.s.

// Offsets of the constants in table (consts_amd64.go), 64 bytes each.
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
#define C_THREE 1024(AX)
#define C_FIVE 1088(AX)

// EXP_FMA sets S to exp(W) for 8 lanes, as the standard library's amd64
// Exp computes it on its FMA path, operation for operation, for lanes
// that take none of its exits (W finite, -708 < W < 709). It overwrites
// W, K (a Y register: the lanes' exponents) and T.
#define EXP_FMA(W, K, T, S) \
	VMULPD       C_LOG2E, W, T  \
	VCVTPD2DQ    T, K           \
	VCVTDQ2PD    K, T           \
	VFNMADD231PD C_LN2U, T, W   \
	VFNMADD231PD C_LN2L, T, W   \
	VMULPD       C_SIXTEENTH, W, W \
	VMOVUPD      C_E8, S        \
	VFMADD213PD  C_E7, W, S     \
	VFMADD213PD  C_E6, W, S     \
	VFMADD213PD  C_E5, W, S     \
	VFMADD213PD  C_E4, W, S     \
	VFMADD213PD  C_E3, W, S     \
	VFMADD213PD  C_HALF, W, S   \
	VFMADD213PD  C_ONE, W, S    \
	VMULPD       S, W, W        \
	VADDPD       C_TWO, W, S    \
	VMULPD       S, W, W        \
	VADDPD       C_TWO, W, S    \
	VMULPD       S, W, W        \
	VADDPD       C_TWO, W, S    \
	VMULPD       S, W, W        \
	VADDPD       C_TWO, W, S    \
	VFMADD213PD  C_ONE, S, W    \
	VPMOVSXDQ    K, T           \
	VPADDQ       C_BIAS, T, T   \
	VPSLLQ       $52, T, T      \
	VMULPD       T, W, S
