#include "CCryptoCore/ccc_bigint.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

void ccc_mpz_init(mpz_ptr x) { mpz_init(x); }

void ccc_mpz_clear(mpz_ptr x) {
    /* Wipe the whole allocation, not only the limbs in use. */
    if (x->_mp_alloc > 0 && x->_mp_d != NULL)
        ccc_memzero(x->_mp_d, (size_t)x->_mp_alloc * sizeof(mp_limb_t));
    mpz_clear(x);
}

void ccc_mpz_set(mpz_ptr r, mpz_srcptr a) { mpz_set(r, a); }

void ccc_mpz_set_u64(mpz_ptr r, uint64_t v) {
#if ULONG_MAX >= 0xFFFFFFFFFFFFFFFFULL
    mpz_set_ui(r, (unsigned long)v);
#else
    mpz_set_ui(r, (unsigned long)(v >> 32));
    mpz_mul_2exp(r, r, 32);
    mpz_add_ui(r, r, (unsigned long)(v & 0xFFFFFFFFu));
#endif
}

void ccc_mpz_set_i64(mpz_ptr r, int64_t v) {
    if (v >= 0) {
        ccc_mpz_set_u64(r, (uint64_t)v);
    } else {
        ccc_mpz_set_u64(r, (uint64_t)0 - (uint64_t)v);  /* |v|, also for INT64_MIN */
        mpz_neg(r, r);
    }
}

int ccc_mpz_get_u64(uint64_t *out, mpz_srcptr a) {
    if (mpz_sgn(a) < 0 || mpz_sizeinbase(a, 2) > 64) return 0;
    uint64_t v = 0;
    size_t n = mpz_size(a);
    for (size_t i = n; i-- > 0;) {
        mp_limb_t l = mpz_getlimbn(a, (mp_size_t)i);
        v = (GMP_NUMB_BITS >= 64) ? (uint64_t)l : ((v << GMP_NUMB_BITS) | (uint64_t)l);
    }
    if (out) *out = v;
    return 1;
}

int ccc_mpz_get_i64(int64_t *out, mpz_srcptr a) {
    if (mpz_sgn(a) == 0) { if (out) *out = 0; return 1; }
    if (mpz_sizeinbase(a, 2) > 64) return 0;
    mpz_t t;
    mpz_init(t);
    mpz_abs(t, a);
    uint64_t m = 0;
    ccc_mpz_get_u64(&m, t);
    mpz_clear(t);
    if (mpz_sgn(a) > 0) {
        if (m > (uint64_t)INT64_MAX) return 0;
        if (out) *out = (int64_t)m;
    } else {
        if (m > (uint64_t)INT64_MAX + 1u) return 0;
        if (out) *out = (m == (uint64_t)INT64_MAX + 1u) ? INT64_MIN : -(int64_t)m;
    }
    return 1;
}

int ccc_mpz_sgn(mpz_srcptr a) { return mpz_sgn(a); }
int ccc_mpz_cmp(mpz_srcptr a, mpz_srcptr b) {
    int c = mpz_cmp(a, b);
    return (c > 0) - (c < 0);
}
int ccc_mpz_cmp_i64(mpz_srcptr a, int64_t b) {
    mpz_t t;
    mpz_init(t);
    ccc_mpz_set_i64(t, b);
    int c = ccc_mpz_cmp(a, t);
    mpz_clear(t);
    return c;
}
size_t ccc_mpz_bit_length(mpz_srcptr a) { return mpz_sgn(a) == 0 ? 0 : mpz_sizeinbase(a, 2); }
int ccc_mpz_tstbit(mpz_srcptr a, uint64_t i) { return mpz_tstbit(a, (mp_bitcnt_t)i); }
size_t ccc_mpz_size(mpz_srcptr a) { return mpz_size(a); }
const mp_limb_t *ccc_mpz_limbs(mpz_srcptr a) { return mpz_limbs_read(a); }

void ccc_mpz_add(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_add(r, a, b); }
void ccc_mpz_sub(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_sub(r, a, b); }
void ccc_mpz_mul(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_mul(r, a, b); }
void ccc_mpz_mul_i64(mpz_ptr r, mpz_srcptr a, int64_t b) {
    mpz_t t;
    mpz_init(t);
    ccc_mpz_set_i64(t, b);
    mpz_mul(r, a, t);
    mpz_clear(t);
}
void ccc_mpz_neg(mpz_ptr r, mpz_srcptr a) { mpz_neg(r, a); }
void ccc_mpz_abs(mpz_ptr r, mpz_srcptr a) { mpz_abs(r, a); }
void ccc_mpz_shl(mpz_ptr r, mpz_srcptr a, uint64_t bits) { mpz_mul_2exp(r, a, (mp_bitcnt_t)bits); }
void ccc_mpz_shr(mpz_ptr r, mpz_srcptr a, uint64_t bits) { mpz_fdiv_q_2exp(r, a, (mp_bitcnt_t)bits); }

ccc_status ccc_mpz_pow_u64(mpz_ptr r, mpz_srcptr a, uint64_t e, uint64_t max_bits) {
    if (e == 0) { mpz_set_ui(r, 1); return CCC_OK; }
    size_t ab = ccc_mpz_bit_length(a);
    if (ab <= 1) {  /* a in {-1, 0, 1} */
        if (ab == 0) { mpz_set_ui(r, 0); return CCC_OK; }
        mpz_set(r, a);
        if (mpz_sgn(a) < 0 && (e & 1) == 0) mpz_neg(r, r);
        return CCC_OK;
    }
    /* |a|^e has more than (ab - 1) * e bits. */
    if (e > ULONG_MAX || (unsigned __int128)(ab - 1) * e >= max_bits) return CCC_ERR_INVALID_ARGUMENT;
    mpz_pow_ui(r, a, (unsigned long)e);
    if (ccc_mpz_bit_length(r) > max_bits) return CCC_ERR_INVALID_ARGUMENT;
    return CCC_OK;
}

ccc_status ccc_mpz_tdiv_qr(mpz_ptr q, mpz_ptr r, mpz_srcptr a, mpz_srcptr b) {
    if (mpz_sgn(b) == 0) return CCC_ERR_INVALID_ARGUMENT;
    if (q != NULL && r != NULL) {
        if (q == r) return CCC_ERR_INVALID_ARGUMENT;
        mpz_tdiv_qr(q, r, a, b);
    } else if (q != NULL) {
        mpz_tdiv_q(q, a, b);
    } else if (r != NULL) {
        mpz_tdiv_r(r, a, b);
    }
    return CCC_OK;
}

ccc_status ccc_mpz_fdiv_qr(mpz_ptr q, mpz_ptr r, mpz_srcptr a, mpz_srcptr b) {
    if (mpz_sgn(b) == 0) return CCC_ERR_INVALID_ARGUMENT;
    if (q != NULL && r != NULL) {
        if (q == r) return CCC_ERR_INVALID_ARGUMENT;
        mpz_fdiv_qr(q, r, a, b);
    } else if (q != NULL) {
        mpz_fdiv_q(q, a, b);
    } else if (r != NULL) {
        mpz_fdiv_r(r, a, b);
    }
    return CCC_OK;
}

ccc_status ccc_mpz_mod(mpz_ptr r, mpz_srcptr a, mpz_srcptr m) {
    if (mpz_sgn(m) <= 0) return CCC_ERR_INVALID_ARGUMENT;
    mpz_mod(r, a, m);
    return CCC_OK;
}

ccc_status ccc_mpz_invert(mpz_ptr r, mpz_srcptr a, mpz_srcptr m) {
    if (mpz_sgn(m) <= 0) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_cmp_ui(m, 1) == 0) { mpz_set_ui(r, 0); return CCC_OK; }
    if (mpz_invert(r, a, m) == 0) return CCC_ERR_NOT_INVERTIBLE;
    return CCC_OK;
}

void ccc_mpz_gcd(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_gcd(r, a, b); }
void ccc_mpz_lcm(mpz_ptr r, mpz_srcptr a, mpz_srcptr b) { mpz_lcm(r, a, b); }

static int digit_ok(char c, int base) {
    if (c >= '0' && c <= '9') return 1;
    if (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 1;
    return 0;
}

ccc_status ccc_mpz_set_str(mpz_ptr r, const char *s, size_t len, int base) {
    if (s == NULL || (base != 10 && base != 16)) return CCC_ERR_INVALID_ARGUMENT;
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
    if (base == 16 && i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) i += 2;
    if (i >= len) return CCC_ERR_INVALID_ARGUMENT;
    for (size_t j = i; j < len; j++)
        if (!digit_ok(s[j], base)) return CCC_ERR_INVALID_ARGUMENT;  /* also rejects NUL, spaces */
    char *buf = malloc(len - i + 1);
    if (buf == NULL) return CCC_ERR_OUT_OF_MEMORY;
    memcpy(buf, s + i, len - i);
    buf[len - i] = '\0';
    int rc = mpz_set_str(r, buf, base);
    free(buf);
    if (rc != 0) return CCC_ERR_INVALID_ARGUMENT;
    if (neg) mpz_neg(r, r);
    return CCC_OK;
}

size_t ccc_mpz_str_capacity(mpz_srcptr a, int base) {
    if (base != 10 && base != 16) return 0;
    return mpz_sizeinbase(a, base) + 2;  /* sign and NUL */
}

ccc_status ccc_mpz_get_str(char *buf, size_t cap, mpz_srcptr a, int base) {
    if (buf == NULL || (base != 10 && base != 16)) return CCC_ERR_INVALID_ARGUMENT;
    if (cap < ccc_mpz_str_capacity(a, base)) return CCC_ERR_SIZE_MISMATCH;
    mpz_get_str(buf, base, a);
    return CCC_OK;
}

ccc_status ccc_mpz_from_bytes(mpz_ptr r, const uint8_t *in, size_t len) {
    if (in == NULL && len > 0) return CCC_ERR_INVALID_ARGUMENT;
    if (len == 0) { mpz_set_ui(r, 0); return CCC_OK; }
    mpz_import(r, len, 1, 1, 1, 0, in);
    return CCC_OK;
}

size_t ccc_mpz_byte_length(mpz_srcptr a) { return (ccc_mpz_bit_length(a) + 7) / 8; }

ccc_status ccc_mpz_to_bytes(uint8_t *out, size_t len, mpz_srcptr a) {
    if (mpz_sgn(a) < 0) return CCC_ERR_INVALID_ARGUMENT;
    if (out == NULL && len > 0) return CCC_ERR_INVALID_ARGUMENT;
    size_t need = ccc_mpz_byte_length(a);
    if (need > len) return CCC_ERR_SIZE_MISMATCH;
    memset(out, 0, len - need);
    if (need > 0) {
        size_t count = 0;
        mpz_export(out + (len - need), &count, 1, 1, 1, 0, a);
        if (count != need) return CCC_ERR_INVALID_ARGUMENT;
    }
    return CCC_OK;
}

int ccc_mpz_probab_prime(mpz_srcptr a, int reps) {
    if (mpz_cmp_ui(a, 1) <= 0) return 0;
    if (reps < 1) reps = 1;
    return mpz_probab_prime_p(a, reps);
}
