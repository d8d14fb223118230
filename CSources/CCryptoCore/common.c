#include "CCryptoCore/ccc_common.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static uint32_t cpu_mask;
static uint32_t allowed_mask;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;

static void probe_cpu(void) {
    uint32_t m = 1u << CCC_KERNEL_PORTABLE;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) m |= 1u << CCC_KERNEL_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq"))
        m |= 1u << CCC_KERNEL_AVX512;
    if ((m & (1u << CCC_KERNEL_AVX512)) && __builtin_cpu_supports("avx512ifma"))
        m |= 1u << CCC_KERNEL_AVX512_IFMA;
#endif
    cpu_mask = m;
    uint32_t allowed = m;
    const char *env = getenv("CRYPTONETKIT_KERNEL");
    if (env != NULL && env[0] != '\0') {
        int cap = -1;
        if (strcmp(env, "portable") == 0) cap = CCC_KERNEL_PORTABLE;
        else if (strcmp(env, "avx2") == 0) cap = CCC_KERNEL_AVX2;
        else if (strcmp(env, "avx512") == 0) cap = CCC_KERNEL_AVX512;
        else if (strcmp(env, "avx512-ifma") == 0) cap = CCC_KERNEL_AVX512_IFMA;
        if (cap >= 0) allowed &= (2u << cap) - 1u;
    }
    allowed_mask = allowed;
}

uint32_t ccc_cpu_kernels(void) {
    pthread_once(&cpu_once, probe_cpu);
    return cpu_mask;
}

uint32_t ccc_allowed_kernels(void) {
    pthread_once(&cpu_once, probe_cpu);
    return allowed_mask;
}

const char *ccc_kernel_name(ccc_kernel kernel) {
    switch (kernel) {
    case CCC_KERNEL_PORTABLE: return "portable";
    case CCC_KERNEL_AVX2: return "avx2";
    case CCC_KERNEL_AVX512: return "avx512";
    case CCC_KERNEL_AVX512_IFMA: return "avx512-ifma";
    }
    return "unknown";
}

ccc_status ccc_random_init(void) {
    /* sodium_init is thread safe and idempotent: 0 first time, 1 afterwards, -1 on failure. */
    return sodium_init() < 0 ? CCC_ERR_RANDOM : CCC_OK;
}

ccc_status ccc_random_bytes(void *buf, size_t len) {
    if (buf == NULL && len > 0) return CCC_ERR_INVALID_ARGUMENT;
    ccc_status s = ccc_random_init();
    if (s != CCC_OK) return s;
    randombytes_buf(buf, len);
    return CCC_OK;
}

ccc_status ccc_chacha20_expand(uint8_t *out, size_t len, const uint8_t seed[32],
                               const uint8_t nonce[12], uint32_t block) {
    if ((out == NULL && len > 0) || seed == NULL || nonce == NULL) return CCC_ERR_INVALID_ARGUMENT;
    /* The 32-bit block counter must not wrap inside one call. */
    if ((uint64_t)block + (len + 63) / 64 > ((uint64_t)1 << 32)) return CCC_ERR_INVALID_ARGUMENT;
    ccc_status s = ccc_random_init();
    if (s != CCC_OK) return s;
    memset(out, 0, len);
    crypto_stream_chacha20_ietf_xor_ic(out, out, (unsigned long long)len, nonce, block, seed);
    return CCC_OK;
}

void ccc_memzero(void *buf, size_t len) {
    if (buf != NULL) sodium_memzero(buf, len);
}
