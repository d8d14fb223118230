/*
 * CCryptoCore: C kernels of CryptoNetKit on GMP, FLINT and libsodium.
 *
 * Conventions (GMP style): prefix ccc_, output argument first, every fallible routine returns a
 * ccc_status. Kernels work on caller-owned memory, allocate nothing in hot paths, keep no global
 * mutable state (apart from the one-time CPU feature probe) and never abort.
 * Routines whose running time depends on their data say so with a _vartime suffix or in their
 * comment.
 */
#ifndef CCC_COMMON_H
#define CCC_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ccc_status {
    CCC_OK = 0,
    CCC_ERR_INVALID_ARGUMENT = 1,   /* an argument is out of its documented range */
    CCC_ERR_NOT_PRIME = 2,          /* a modulus that must be prime is not */
    CCC_ERR_NOT_POWER_OF_TWO = 3,   /* a ring degree is not a supported power of two */
    CCC_ERR_SIZE_MISMATCH = 4,      /* buffers or operands of incompatible sizes */
    CCC_ERR_NO_ROOT_OF_UNITY = 5,   /* q is not 1 mod 2n, so no primitive 2n-th root exists */
    CCC_ERR_MODULUS_RANGE = 6,      /* a modulus is outside the bit range a kernel supports */
    CCC_ERR_NOT_INVERTIBLE = 7,     /* an element has no inverse modulo the given modulus */
    CCC_ERR_OUT_OF_MEMORY = 8,
    CCC_ERR_THREAD = 9,             /* a worker thread could not be started */
    CCC_ERR_RANDOM = 10,            /* the OS random generator could not be initialised */
    CCC_ERR_NOT_FOUND = 11          /* a search (e.g. for a prime) found nothing in range */
} ccc_status;

/* Which implementation of a kernel runs. */
typedef enum ccc_kernel {
    CCC_KERNEL_PORTABLE = 0,
    CCC_KERNEL_AVX2 = 1,
    CCC_KERNEL_AVX512 = 2,       /* AVX-512 F + DQ, 64-bit lanes, any modulus below 2^62 */
    CCC_KERNEL_AVX512_IFMA = 3   /* AVX-512 IFMA52, moduli below 2^50 */
} ccc_kernel;

/* Bit mask (1 << ccc_kernel) of the kernels this CPU can run; the portable one always. */
uint32_t ccc_cpu_kernels(void);

/*
 * Kernels the library may pick automatically: ccc_cpu_kernels() restricted by the environment
 * variable CRYPTONETKIT_KERNEL ("portable", "avx2", "avx512", "avx512-ifma": the best kernel at
 * most that one), read once.
 */
uint32_t ccc_allowed_kernels(void);

/* A printable name: "portable", "avx2", "avx512", "avx512-ifma". */
const char *ccc_kernel_name(ccc_kernel kernel);

/* One-time initialisation of libsodium; safe to call from several threads. */
ccc_status ccc_random_init(void);

/* Fills buf with len bytes from the OS CSPRNG (libsodium randombytes_buf, i.e. getrandom). */
ccc_status ccc_random_bytes(void *buf, size_t len);

/*
 * Deterministic expansion of a 32-byte seed with the ChaCha20 stream cipher (IETF variant,
 * 96-bit nonce, 32-bit block counter): writes len key-stream bytes starting at 64-byte block
 * `block` of the stream for (seed, nonce). Used for seeded ciphertexts and reproducible tests.
 */
ccc_status ccc_chacha20_expand(uint8_t *out, size_t len, const uint8_t seed[32],
                               const uint8_t nonce[12], uint32_t block);

/* Overwrites len bytes with zeros in a way the compiler cannot remove (sodium_memzero). */
void ccc_memzero(void *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
