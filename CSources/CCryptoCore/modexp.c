/*
 * Modular exponentiation kernels for Paillier-size moduli. See include/CCryptoCore/ccc_modexp.h.
 *
 * Montgomery arithmetic is written on GMP's public mpn layer: products by mpn_mul_n / mpn_sqr,
 * reduction by a word-by-word REDC (n calls of mpn_addmul_1, GMP's REDC_1), final conditional
 * subtraction. Values are kept as n-limb arrays in [0, m).
 */
#include "CCryptoCore/ccc_modexp.h"
#include "CCryptoCore/ccc_bigint.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* limb helpers                                                                                */

static void limbs_from_mpz(mp_limb_t *dst, mpz_srcptr a, mp_size_t n) {
    /* a in [0, 2^(64n)) */
    mp_size_t s = (mp_size_t)mpz_size(a);
    if (s > n) s = n;
    if (s > 0) memcpy(dst, mpz_limbs_read(a), (size_t)s * sizeof(mp_limb_t));
    if (n > s) memset(dst + s, 0, (size_t)(n - s) * sizeof(mp_limb_t));
}

static void mpz_from_limbs(mpz_ptr r, const mp_limb_t *src, mp_size_t n) {
    mp_limb_t *d = mpz_limbs_write(r, n);
    memcpy(d, src, (size_t)n * sizeof(mp_limb_t));
    mpz_limbs_finish(r, n);
}

static void *limbs_alloc(size_t count) {
    if (count == 0) count = 1;
    if (count > SIZE_MAX / sizeof(mp_limb_t)) return NULL;
    return calloc(count, sizeof(mp_limb_t));
}

static void limbs_free(mp_limb_t *p, size_t count) {
    if (p != NULL) {
        ccc_memzero(p, count * sizeof(mp_limb_t));
        free(p);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Montgomery arithmetic                                                                       */

/* r = t·R^-1 mod m for t < m·R (2n limbs, destroyed). r must not overlap t. Variable time
 * only through the final subtraction. */
static void mont_redc(mp_limb_t *r, mp_limb_t *t, const ccc_mont *c) {
    const mp_size_t n = c->n;
    const mp_limb_t *m = c->m;
    const mp_limb_t minv = c->minv;
    for (mp_size_t i = 0; i < n; i++) {
        mp_limb_t q = t[i] * minv;
        t[i] = mpn_addmul_1(t + i, m, n, q);  /* t[i] becomes 0; keep the carry there */
    }
    mp_limb_t cy = mpn_add_n(r, t + n, t, n);
    if (cy || mpn_cmp(r, m, n) >= 0) mpn_sub_n(r, r, m, n);
}

/* Branch-free REDC for the constant-time path. tmp: n limbs. */
static void mont_redc_sec(mp_limb_t *r, mp_limb_t *t, mp_limb_t *tmp, const ccc_mont *c) {
    const mp_size_t n = c->n;
    for (mp_size_t i = 0; i < n; i++) {
        mp_limb_t q = t[i] * c->minv;
        t[i] = mpn_addmul_1(t + i, c->m, n, q);
    }
    mp_limb_t cy = mpn_add_n(r, t + n, t, n);
    mp_limb_t bw = mpn_sub_n(tmp, r, c->m, n);
    mpn_cnd_swap(cy | (bw ^ 1), r, tmp, n);
}

/* r = a·b·R^-1 mod m; a, b < m; r may alias a or b. scratch: 2n limbs. */
static inline void mont_mul(mp_limb_t *r, const mp_limb_t *a, const mp_limb_t *b, const ccc_mont *c,
                            mp_limb_t *scratch) {
    if (a == b) mpn_sqr(scratch, a, c->n);
    else mpn_mul_n(scratch, a, b, c->n);
    mont_redc(r, scratch, c);
}

static inline void mont_sqr(mp_limb_t *r, const mp_limb_t *a, const ccc_mont *c, mp_limb_t *scratch) {
    mpn_sqr(scratch, a, c->n);
    mont_redc(r, scratch, c);
}

ccc_status ccc_mont_init(ccc_mont *ctx, mpz_srcptr m) {
    if (ctx == NULL || m == NULL) return CCC_ERR_INVALID_ARGUMENT;
    memset(ctx, 0, sizeof *ctx);
    if (mpz_cmp_ui(m, 1) <= 0 || mpz_even_p(m)) return CCC_ERR_INVALID_ARGUMENT;
    mp_size_t n = (mp_size_t)mpz_size(m);
    ctx->n = n;
    ctx->m = limbs_alloc((size_t)n);
    ctx->one = limbs_alloc((size_t)n);
    ctx->r2 = limbs_alloc((size_t)n);
    ctx->rpow = limbs_alloc((size_t)n * CCC_MONT_RPOW);
    ctx->rinv = limbs_alloc((size_t)n * CCC_MONT_RPOW);
    mpz_init_set(ctx->mz, m);
    if (!ctx->m || !ctx->one || !ctx->r2 || !ctx->rpow || !ctx->rinv) {
        ccc_mont_clear(ctx);
        return CCC_ERR_OUT_OF_MEMORY;
    }
    limbs_from_mpz(ctx->m, m, n);
    mp_limb_t m0 = ctx->m[0], inv = m0;  /* correct to 3 bits for odd m0 */
    for (int i = 0; i < 5; i++) inv *= 2 - m0 * inv;
    ctx->minv = (mp_limb_t)0 - inv;
    mpz_t t;
    mpz_init(t);
    mpz_setbit(t, (mp_bitcnt_t)(GMP_NUMB_BITS * n));
    mpz_mod(t, t, m);
    limbs_from_mpz(ctx->one, t, n);
    mpz_set_ui(t, 0);
    mpz_setbit(t, (mp_bitcnt_t)(2 * GMP_NUMB_BITS * n));
    mpz_mod(t, t, m);
    limbs_from_mpz(ctx->r2, t, n);
    mpz_clear(t);
    mp_limb_t *scratch = limbs_alloc(2 * (size_t)n);
    if (scratch == NULL) {
        ccc_mont_clear(ctx);
        return CCC_ERR_OUT_OF_MEMORY;
    }
    /* rpow[0] = R^2 = R^(2^0 + 1); rpow[j+1] = MM(rpow[j], rpow[j]) = R^(2^(j+1) + 1). */
    memcpy(ctx->rpow, ctx->r2, (size_t)n * sizeof(mp_limb_t));
    for (int j = 1; j < CCC_MONT_RPOW; j++)
        mont_sqr(ctx->rpow + (size_t)j * n, ctx->rpow + (size_t)(j - 1) * n, ctx, scratch);
    /* rinv[0] = 1 = R^(1 - 2^0); rinv[j+1] = MM(rinv[j], rinv[j]) = R^(1 - 2^(j+1)). */
    ctx->rinv[0] = 1;
    for (int j = 1; j < CCC_MONT_RPOW; j++)
        mont_sqr(ctx->rinv + (size_t)j * n, ctx->rinv + (size_t)(j - 1) * n, ctx, scratch);
    limbs_free(scratch, 2 * (size_t)n);
    return CCC_OK;
}

void ccc_mont_clear(ccc_mont *ctx) {
    if (ctx == NULL) return;
    size_t n = (size_t)ctx->n;
    limbs_free(ctx->m, n);
    limbs_free(ctx->one, n);
    limbs_free(ctx->r2, n);
    limbs_free(ctx->rpow, n * CCC_MONT_RPOW);
    limbs_free(ctx->rinv, n * CCC_MONT_RPOW);
    if (ctx->n > 0 || ctx->mz->_mp_d != NULL) {
        if (ctx->mz->_mp_d != NULL) mpz_clear(ctx->mz);
    }
    memset(ctx, 0, sizeof *ctx);
}

/* dst (n limbs) = a mod m as a raw residue. */
static void reduce_to_limbs(mp_limb_t *dst, mpz_srcptr a, const ccc_mont *c, mpz_ptr tmp) {
    if (mpz_sgn(a) >= 0 && mpz_cmp(a, c->mz) < 0) {
        limbs_from_mpz(dst, a, c->n);
    } else {
        mpz_mod(tmp, a, c->mz);
        limbs_from_mpz(dst, tmp, c->n);
    }
}

ccc_status ccc_mont_product(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, const ccc_mont *ctx) {
    if (ctx == NULL || ctx->n == 0 || r == NULL || a == NULL || b == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(a) < 0 || mpz_sgn(b) < 0 || mpz_cmp(a, ctx->mz) >= 0 || mpz_cmp(b, ctx->mz) >= 0)
        return CCC_ERR_INVALID_ARGUMENT;
    mp_size_t n = ctx->n;
    /* the limbs of r serve as output; the 2n-limb product needs its own space */
    mp_limb_t stack[2 * 128];
    mp_limb_t *t = n <= 128 ? stack : limbs_alloc(2 * (size_t)n);
    if (t == NULL) return CCC_ERR_OUT_OF_MEMORY;
    mp_size_t sa = (mp_size_t)mpz_size(a), sb = (mp_size_t)mpz_size(b);
    const mp_limb_t *ap = mpz_limbs_read(a), *bp = mpz_limbs_read(b);
    if (sa == n && sb == n) {
        if (ap == bp) mpn_sqr(t, ap, n);
        else mpn_mul_n(t, ap, bp, n);
    } else if (sa == 0 || sb == 0) {
        memset(t, 0, 2 * (size_t)n * sizeof(mp_limb_t));
    } else {
        memset(t, 0, 2 * (size_t)n * sizeof(mp_limb_t));
        if (sa >= sb) mpn_mul(t, ap, sa, bp, sb);
        else mpn_mul(t, bp, sb, ap, sa);
    }
    mp_limb_t *rp = mpz_limbs_write(r, n);
    mont_redc(rp, t, ctx);
    mpz_limbs_finish(r, n);
    if (t != stack) limbs_free(t, 2 * (size_t)n);
    return CCC_OK;
}

ccc_status ccc_mont_mulmod(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, const ccc_mont *ctx) {
    if (ctx == NULL || ctx->n == 0 || r == NULL || a == NULL || b == NULL) return CCC_ERR_INVALID_ARGUMENT;
    size_t n = (size_t)ctx->n;
    mp_limb_t *buf = limbs_alloc(5 * n);
    if (buf == NULL) return CCC_ERR_OUT_OF_MEMORY;
    mp_limb_t *x = buf, *y = buf + n, *s = buf + 2 * n, *z = buf + 4 * n;
    mpz_t t;
    mpz_init(t);
    reduce_to_limbs(x, a, ctx, t);
    reduce_to_limbs(y, b, ctx, t);
    mont_mul(z, x, y, ctx, s);          /* a b R^-1 */
    mont_mul(z, z, ctx->r2, ctx, s);    /* a b */
    mpz_from_limbs(r, z, ctx->n);
    mpz_clear(t);
    limbs_free(buf, 5 * n);
    return CCC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Single exponentiations                                                                      */

ccc_status ccc_powm_vartime(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m) {
    if (r == NULL || b == NULL || e == NULL || m == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(m) <= 0) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_cmp_ui(m, 1) == 0) { mpz_set_ui(r, 0); return CCC_OK; }
    if (mpz_sgn(e) < 0) {
        mpz_t inv;
        mpz_init(inv);
        if (mpz_invert(inv, b, m) == 0) { mpz_clear(inv); return CCC_ERR_NOT_INVERTIBLE; }
        mpz_t ne;
        mpz_init(ne);
        mpz_neg(ne, e);
        mpz_powm(r, inv, ne, m);
        mpz_clear(ne);
        mpz_clear(inv);
        return CCC_OK;
    }
    mpz_powm(r, b, e, m);
    return CCC_OK;
}

ccc_status ccc_powm_sec(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m) {
    if (r == NULL || b == NULL || e == NULL || m == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_cmp_ui(m, 1) <= 0 || mpz_even_p(m) || mpz_sgn(e) < 0) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(e) == 0) { mpz_set_ui(r, 1); return CCC_OK; }
    if (mpz_sgn(b) < 0 || mpz_cmp(b, m) >= 0) {
        mpz_t t;
        mpz_init(t);
        mpz_mod(t, b, m);
        mpz_powm_sec(r, t, e, m);
        mpz_clear(t);
    } else {
        mpz_powm_sec(r, b, e, m);
    }
    return CCC_OK;
}

/* r = b^e mod m for e >= 0, m odd > 1, by either path. */
static void powm_either(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m, int ct) {
    if (ct) (void)ccc_powm_sec(r, b, e, m);
    else mpz_powm(r, b, e, m);
}

/* ------------------------------------------------------------------------------------------ */
/* CRT                                                                                         */

ccc_status ccc_crt2_init(ccc_crt2 *ctx, mpz_srcptr p, mpz_srcptr q) {
    if (ctx == NULL || p == NULL || q == NULL) return CCC_ERR_INVALID_ARGUMENT;
    memset(ctx, 0, sizeof *ctx);
    if (mpz_cmp_ui(p, 2) <= 0 || mpz_cmp_ui(q, 2) <= 0 || mpz_cmp(p, q) == 0) return CCC_ERR_INVALID_ARGUMENT;
    if (ccc_mpz_probab_prime(p, 30) == 0 || ccc_mpz_probab_prime(q, 30) == 0) return CCC_ERR_NOT_PRIME;
    mpz_inits(ctx->p, ctx->q, ctx->p2, ctx->q2, ctx->n, ctx->n2, ctx->phi_p2, ctx->phi_q2, ctx->p2inv,
              ctx->pinv, NULL);
    mpz_set(ctx->p, p);
    mpz_set(ctx->q, q);
    mpz_mul(ctx->p2, p, p);
    mpz_mul(ctx->q2, q, q);
    mpz_mul(ctx->n, p, q);
    mpz_mul(ctx->n2, ctx->n, ctx->n);
    mpz_sub_ui(ctx->phi_p2, p, 1);
    mpz_mul(ctx->phi_p2, ctx->phi_p2, p);
    mpz_sub_ui(ctx->phi_q2, q, 1);
    mpz_mul(ctx->phi_q2, ctx->phi_q2, q);
    mpz_invert(ctx->p2inv, ctx->p2, ctx->q2);  /* distinct primes: always invertible */
    mpz_invert(ctx->pinv, ctx->p, ctx->q);
    return CCC_OK;
}

static void mpz_wipe_clear(mpz_ptr x) {
    if (x->_mp_d == NULL) return;
    ccc_mpz_clear(x);
}

void ccc_crt2_clear(ccc_crt2 *ctx) {
    if (ctx == NULL) return;
    mpz_ptr all[] = {ctx->p, ctx->q, ctx->p2, ctx->q2, ctx->n, ctx->n2, ctx->phi_p2, ctx->phi_q2,
                     ctx->p2inv, ctx->pinv};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) mpz_wipe_clear(all[i]);
    memset(ctx, 0, sizeof *ctx);
}

static int crt2_ready(const ccc_crt2 *ctx) { return ctx != NULL && ctx->n2->_mp_d != NULL && mpz_sgn(ctx->n2) > 0; }

/* Garner: r = xp + mp · ((xq - xp) · inv mod mq), with xp reduced mod mp. r may alias inputs. */
static void garner(mpz_ptr r, mpz_srcptr xp, mpz_srcptr xq, mpz_srcptr mp, mpz_srcptr mq, mpz_srcptr inv) {
    mpz_t a, h;
    mpz_init(a);
    mpz_init(h);
    mpz_mod(a, xp, mp);
    mpz_sub(h, xq, a);
    mpz_mod(h, h, mq);
    mpz_mul(h, h, inv);
    mpz_mod(h, h, mq);
    mpz_mul(h, h, mp);
    mpz_add(r, h, a);
    mpz_clear(a);
    mpz_clear(h);
}

ccc_status ccc_crt2_combine_sq(mpz_ptr r, mpz_srcptr xp, mpz_srcptr xq, const ccc_crt2 *ctx) {
    if (!crt2_ready(ctx) || r == NULL || xp == NULL || xq == NULL) return CCC_ERR_INVALID_ARGUMENT;
    garner(r, xp, xq, ctx->p2, ctx->q2, ctx->p2inv);
    return CCC_OK;
}

ccc_status ccc_crt2_combine(mpz_ptr r, mpz_srcptr xp, mpz_srcptr xq, const ccc_crt2 *ctx) {
    if (!crt2_ready(ctx) || r == NULL || xp == NULL || xq == NULL) return CCC_ERR_INVALID_ARGUMENT;
    garner(r, xp, xq, ctx->p, ctx->q, ctx->pinv);
    return CCC_OK;
}

/* x = b^e mod pp (pp = prime^2, phi = prime(prime - 1)); e >= 0. */
static void crt_half(mpz_ptr x, mpz_srcptr b, mpz_srcptr e, mpz_srcptr prime, mpz_srcptr pp, mpz_srcptr phi,
                     int ct) {
    mpz_t bb, ee;
    mpz_init(bb);
    mpz_init(ee);
    mpz_mod(bb, b, pp);
    if (mpz_divisible_p(bb, prime)) {
        mpz_set(ee, e);            /* Euler's reduction needs gcd(b, p) = 1 */
    } else {
        mpz_mod(ee, e, phi);
    }
    if (mpz_sgn(ee) == 0) mpz_set_ui(x, 1);
    else powm_either(x, bb, ee, pp, ct);
    ccc_mpz_clear(bb);
    ccc_mpz_clear(ee);
}

ccc_status ccc_crt2_powm(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, const ccc_crt2 *ctx, int constant_time) {
    if (!crt2_ready(ctx) || r == NULL || b == NULL || e == NULL) return CCC_ERR_INVALID_ARGUMENT;
    mpz_t base, ex, xp, xq;
    mpz_init(base);
    mpz_init(ex);
    if (mpz_sgn(e) < 0) {
        if (mpz_invert(base, b, ctx->n2) == 0) {
            mpz_clear(base);
            mpz_clear(ex);
            return CCC_ERR_NOT_INVERTIBLE;
        }
        mpz_neg(ex, e);
    } else {
        mpz_set(base, b);
        mpz_set(ex, e);
    }
    mpz_init(xp);
    mpz_init(xq);
    crt_half(xp, base, ex, ctx->p, ctx->p2, ctx->phi_p2, constant_time);
    crt_half(xq, base, ex, ctx->q, ctx->q2, ctx->phi_q2, constant_time);
    garner(r, xp, xq, ctx->p2, ctx->q2, ctx->p2inv);
    ccc_mpz_clear(xp);
    ccc_mpz_clear(xq);
    ccc_mpz_clear(base);
    ccc_mpz_clear(ex);
    return CCC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Fixed-base tables                                                                           */

#define FIXED_BASE_DEFAULT_BYTES ((size_t)8 << 20)

ccc_status ccc_fixed_base_init(ccc_fixed_base *fb, mpz_srcptr g, mpz_srcptr m, size_t max_bits, unsigned window) {
    if (fb == NULL || g == NULL || m == NULL) return CCC_ERR_INVALID_ARGUMENT;
    memset(fb, 0, sizeof *fb);
    if (max_bits < 1 || max_bits > ((size_t)1 << 20) || window > 8) return CCC_ERR_INVALID_ARGUMENT;
    ccc_status s = ccc_mont_init(&fb->mont, m);
    if (s != CCC_OK) return s;
    size_t n = (size_t)fb->mont.n;
    if (window == 0) {
        /* The largest window whose table stays within 8 MiB (at least 1). */
        window = 1;
        for (unsigned w = 8; w >= 1; w--) {
            size_t rows = (max_bits + w - 1) / w;
            if (rows * ((size_t)1 << w) * n * sizeof(mp_limb_t) <= FIXED_BASE_DEFAULT_BYTES) { window = w; break; }
        }
    }
    fb->window = window;
    fb->max_bits = max_bits;
    fb->windows = (max_bits + window - 1) / window;
    size_t entries = (size_t)1 << window;
    if (fb->windows > SIZE_MAX / entries / n) { ccc_fixed_base_clear(fb); return CCC_ERR_OUT_OF_MEMORY; }
    fb->table = limbs_alloc(fb->windows * entries * n);
    mp_limb_t *tmp = limbs_alloc(3 * n);
    if (fb->table == NULL || tmp == NULL) {
        limbs_free(tmp, 3 * n);
        ccc_fixed_base_clear(fb);
        return CCC_ERR_OUT_OF_MEMORY;
    }
    mp_limb_t *gi = tmp, *scratch = tmp + n;
    mpz_t t;
    mpz_init(t);
    reduce_to_limbs(gi, g, &fb->mont, t);
    mpz_clear(t);
    mont_mul(gi, gi, fb->mont.r2, &fb->mont, scratch);  /* g·R: Montgomery form */
    for (size_t i = 0; i < fb->windows; i++) {
        mp_limb_t *row = fb->table + i * entries * n;
        memcpy(row, fb->mont.one, n * sizeof(mp_limb_t));
        memcpy(row + n, gi, n * sizeof(mp_limb_t));
        for (size_t d = 2; d < entries; d++) mont_mul(row + d * n, row + (d - 1) * n, gi, &fb->mont, scratch);
        /* next row base: g_i^(2^w) = g_i^(2^w - 1) · g_i */
        mont_mul(gi, row + (entries - 1) * n, gi, &fb->mont, scratch);
    }
    limbs_free(tmp, 3 * n);
    return CCC_OK;
}

void ccc_fixed_base_clear(ccc_fixed_base *fb) {
    if (fb == NULL) return;
    size_t n = (size_t)fb->mont.n;
    if (fb->table != NULL) limbs_free(fb->table, fb->windows * ((size_t)1 << fb->window) * n);
    ccc_mont_clear(&fb->mont);
    memset(fb, 0, sizeof *fb);
}

size_t ccc_fixed_base_table_bytes(const ccc_fixed_base *fb) {
    if (fb == NULL || fb->table == NULL) return 0;
    return fb->windows * ((size_t)1 << fb->window) * (size_t)fb->mont.n * sizeof(mp_limb_t);
}

/* Window digit i (w bits starting at bit i·w) of the limb array e (elimbs limbs). */
static inline unsigned window_digit(const mp_limb_t *e, size_t elimbs, size_t bit, unsigned w) {
    size_t li = bit / GMP_NUMB_BITS, sh = bit % GMP_NUMB_BITS;
    mp_limb_t v = li < elimbs ? e[li] >> sh : 0;
    if (sh + w > GMP_NUMB_BITS && li + 1 < elimbs) v |= e[li + 1] << (GMP_NUMB_BITS - sh);
    return (unsigned)(v & (((mp_limb_t)1 << w) - 1));
}

static ccc_status fixed_base_check(mpz_ptr r, mpz_srcptr e, const ccc_fixed_base *fb) {
    if (fb == NULL || fb->table == NULL || r == NULL || e == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(e) < 0 || ccc_mpz_bit_length(e) > fb->max_bits) return CCC_ERR_INVALID_ARGUMENT;
    return CCC_OK;
}

ccc_status ccc_fixed_base_powm_vartime(mpz_ptr r, mpz_srcptr e, const ccc_fixed_base *fb) {
    ccc_status s = fixed_base_check(r, e, fb);
    if (s != CCC_OK) return s;
    const ccc_mont *c = &fb->mont;
    size_t n = (size_t)c->n, entries = (size_t)1 << fb->window;
    mp_limb_t *buf = limbs_alloc(3 * n);
    if (buf == NULL) return CCC_ERR_OUT_OF_MEMORY;
    mp_limb_t *acc = buf, *scratch = buf + n;
    const mp_limb_t *el = mpz_limbs_read(e);
    size_t elimbs = mpz_size(e);
    int empty = 1;
    for (size_t i = 0; i < fb->windows; i++) {
        unsigned d = window_digit(el, elimbs, i * fb->window, fb->window);
        if (d == 0) continue;
        const mp_limb_t *entry = fb->table + (i * entries + d) * n;
        if (empty) { memcpy(acc, entry, n * sizeof(mp_limb_t)); empty = 0; }
        else mont_mul(acc, acc, entry, c, scratch);
    }
    if (empty) {
        mpz_set_ui(r, 1);
        mpz_mod(r, r, c->mz);
    } else {
        memcpy(scratch, acc, n * sizeof(mp_limb_t));
        memset(scratch + n, 0, n * sizeof(mp_limb_t));
        mont_redc(acc, scratch, c);  /* out of Montgomery form */
        mpz_from_limbs(r, acc, c->n);
    }
    limbs_free(buf, 3 * n);
    return CCC_OK;
}

ccc_status ccc_fixed_base_powm_sec(mpz_ptr r, mpz_srcptr e, const ccc_fixed_base *fb) {
    ccc_status s = fixed_base_check(r, e, fb);
    if (s != CCC_OK) return s;
    const ccc_mont *c = &fb->mont;
    mp_size_t n = c->n;
    size_t nn = (size_t)n, entries = (size_t)1 << fb->window;
    size_t elimbs = (fb->max_bits + GMP_NUMB_BITS - 1) / GMP_NUMB_BITS + 1;
    size_t itch = (size_t)mpn_sec_mul_itch(n, n);
    size_t total = 5 * nn + elimbs + itch;
    mp_limb_t *buf = limbs_alloc(total);
    if (buf == NULL) return CCC_ERR_OUT_OF_MEMORY;
    mp_limb_t *acc = buf, *sel = buf + nn, *prod = buf + 2 * nn, *tmp = buf + 4 * nn;
    mp_limb_t *ex = buf + 5 * nn, *sc = ex + elimbs;
    limbs_from_mpz(ex, e, (mp_size_t)elimbs);  /* fixed length: the loop below does not depend on e */
    memcpy(acc, c->one, nn * sizeof(mp_limb_t));
    for (size_t i = 0; i < fb->windows; i++) {
        unsigned d = window_digit(ex, elimbs, i * fb->window, fb->window);
        mpn_sec_tabselect(sel, fb->table + i * entries * nn, n, (mp_size_t)entries, (mp_size_t)d);
        mpn_sec_mul(prod, acc, n, sel, n, sc);
        mont_redc_sec(acc, prod, tmp, c);
    }
    memcpy(prod, acc, nn * sizeof(mp_limb_t));
    memset(prod + nn, 0, nn * sizeof(mp_limb_t));
    mont_redc_sec(acc, prod, tmp, c);
    mpz_from_limbs(r, acc, n);
    limbs_free(buf, total);
    return CCC_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Multi-exponentiation                                                                        */

/*
 * An accumulator: value X = x · R^-off (x the true product). A base used as a raw residue has
 * off = 0, a base in Montgomery form (x·R) has off = -1; MM(X, Y) adds the offsets plus one, so
 * products of Montgomery-form values stay at -1 and products of raw residues count their
 * multiplications. `empty` means x = 1 (not yet set).
 */
typedef struct acc {
    mp_limb_t *v;
    __int128 off;
    int empty;
} acc;

/* leaf: offset of the bases (0 raw, -1 Montgomery form). */
static inline void acc_mul_raw(acc *a, const mp_limb_t *base, int leaf, const ccc_mont *c, mp_limb_t *scratch) {
    if (a->empty) {
        memcpy(a->v, base, (size_t)c->n * sizeof(mp_limb_t));
        a->off = leaf;
        a->empty = 0;
    } else {
        mont_mul(a->v, a->v, base, c, scratch);
        a->off += leaf + 1;
    }
}

static inline void acc_mul_acc(acc *a, const acc *b, const ccc_mont *c, mp_limb_t *scratch) {
    if (b->empty) return;
    if (a->empty) {
        memcpy(a->v, b->v, (size_t)c->n * sizeof(mp_limb_t));
        a->off = b->off;
        a->empty = 0;
    } else {
        mont_mul(a->v, a->v, b->v, c, scratch);
        a->off += b->off + 1;
    }
}

static inline void acc_sqr(acc *a, const ccc_mont *c, mp_limb_t *scratch) {
    if (a->empty) return;
    mont_sqr(a->v, a->v, c, scratch);
    a->off = 2 * a->off + 1;
}

/* r = the true value of a (1 if empty): one REDC for off = -1, otherwise a multiplication by
 * R^off with the rpow table (one per set bit of off). scratch: 2n limbs. */
static void acc_finish(mpz_ptr r, acc *a, const ccc_mont *c, mp_limb_t *scratch) {
    if (a->empty) {
        mpz_set_ui(r, 1);
        mpz_mod(r, r, c->mz);
        return;
    }
    size_t n = (size_t)c->n;
    if (a->off < 0) {  /* -1: Montgomery form */
        memcpy(scratch, a->v, n * sizeof(mp_limb_t));
        memset(scratch + n, 0, n * sizeof(mp_limb_t));
        mont_redc(a->v, scratch, c);
    } else {
        unsigned __int128 k = (unsigned __int128)a->off;
        for (int j = 0; j < CCC_MONT_RPOW; j++)
            if ((k >> j) & 1) mont_mul(a->v, a->v, c->rpow + (size_t)j * n, c, scratch);
    }
    mpz_from_limbs(r, a->v, c->n);
}

static unsigned u64_bits(uint64_t x) { return x == 0 ? 0 : 64 - (unsigned)__builtin_clzll(x); }

static inline uint64_t mag64(int64_t k) { return k < 0 ? (uint64_t)0 - (uint64_t)k : (uint64_t)k; }

/* Cost models in modular multiplications (squarings counted as 0.8). */
static double cost_straus(size_t count, unsigned bits) {
    return (double)count * ((double)bits + 1.0) / 3.0 + 2.0 * 0.8 * (double)(bits + 1);
}

static double cost_pippenger(size_t count, unsigned bits, unsigned cbits) {
    double w = (double)((bits + cbits - 1) / cbits);
    double buckets = (double)(((uint64_t)1 << cbits) - 1);
    if (buckets > (double)count) buckets = (double)count * 1.0 + 0.5 * buckets;  /* many stay empty */
    return w * ((double)count + 2.0 * 2.0 * buckets) + 2.0 * 0.8 * (double)bits;
}

#define PIPPENGER_MAX_C 12

static unsigned best_pippenger_c(size_t count, unsigned bits, double *cost) {
    unsigned best = 1;
    double bc = 1e300;
    for (unsigned cb = 1; cb <= PIPPENGER_MAX_C && cb <= (bits ? bits : 1); cb++) {
        double x = cost_pippenger(count, bits, cb);
        if (x < bc) { bc = x; best = cb; }
    }
    if (cost) *cost = bc;
    return best;
}

ccc_multiexp_algorithm ccc_multiexp_choose(size_t count, unsigned max_exp_bits) {
    if (max_exp_bits == 0) max_exp_bits = 1;
    /* Small exponents (neural-layer weights): Bos–Coster needed about 63 multiplications for 25
     * terms and 1080 for 845 terms of 8-bit signed exponents in simulation, against about 90 for
     * Straus and 1630 for Pippenger. */
    if (max_exp_bits <= 16 && count >= 2) return CCC_MULTIEXP_BOS_COSTER;
    double cp;
    best_pippenger_c(count, max_exp_bits, &cp);
    return cost_straus(count, max_exp_bits) <= cp ? CCC_MULTIEXP_STRAUS : CCC_MULTIEXP_PIPPENGER;
}

/* Straus with NAF digits (binary digits if `binary`): positive digits into P, negative into Q,
 * one squaring chain each. */
static ccc_status multiexp_straus(acc *P, acc *Q, const mp_limb_t *bases, int leaf, const int64_t *exps, size_t count,
                                  unsigned bits, int binary, const ccc_mont *c, mp_limb_t *scratch) {
    size_t n = (size_t)c->n, len = bits + 1;
    int8_t *naf = malloc(count * len);
    if (naf == NULL) return CCC_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < count; i++) {
        int8_t *d = naf + i * len;
        int sign = exps[i] < 0 ? -1 : 1;
        unsigned __int128 k = mag64(exps[i]);
        for (size_t j = 0; j < len; j++) {
            int digit = 0;
            if (binary) {
                digit = (int)(k & 1);
                k -= (unsigned)digit;
            } else if (k & 1) {
                digit = 2 - (int)(k & 3);  /* +1 or -1 */
                if (digit > 0) k -= 1; else k += 1;
            }
            d[j] = (int8_t)(digit * sign);
            k >>= 1;
        }
    }
    for (size_t j = len; j-- > 0;) {
        acc_sqr(P, c, scratch);
        acc_sqr(Q, c, scratch);
        for (size_t i = 0; i < count; i++) {
            int8_t d = naf[i * len + j];
            if (d > 0) acc_mul_raw(P, bases + i * n, leaf, c, scratch);
            else if (d < 0) acc_mul_raw(Q, bases + i * n, leaf, c, scratch);
        }
    }
    free(naf);
    return CCC_OK;
}

/* Pippenger buckets over magnitude digits of cb bits; the sign picks the bucket set (P or Q). */
static ccc_status multiexp_pippenger(acc *P, acc *Q, const mp_limb_t *bases, int leaf, const int64_t *exps,
                                     size_t count, unsigned bits, unsigned cb, const ccc_mont *c, mp_limb_t *scratch) {
    size_t n = (size_t)c->n, nb = ((size_t)1 << cb);
    size_t windows = (bits + cb - 1) / cb;
    /* 2 sets of nb buckets + running sum S + window total T for each set */
    size_t slots = 2 * nb + 4;
    mp_limb_t *mem = limbs_alloc(slots * n);
    acc *bk = calloc(slots, sizeof(acc));
    if (mem == NULL || bk == NULL) {
        free(bk);
        limbs_free(mem, slots * n);
        return CCC_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < slots; i++) bk[i].v = mem + i * n;
    acc *outs[2] = {P, Q};
    for (size_t w = windows; w-- > 0;) {
        if (w + 1 < windows) {
            for (unsigned s = 0; s < cb; s++) {
                acc_sqr(P, c, scratch);
                acc_sqr(Q, c, scratch);
            }
        }
        for (size_t i = 0; i < 2 * nb; i++) bk[i].empty = 1;
        unsigned maxd[2] = {0, 0};
        for (size_t i = 0; i < count; i++) {
            uint64_t k = mag64(exps[i]);
            unsigned d = (unsigned)((w * cb < 64 ? (k >> (w * cb)) : 0) & (nb - 1));
            if (d == 0) continue;
            int set = exps[i] < 0;
            acc_mul_raw(&bk[(size_t)set * nb + d], bases + i * n, leaf, c, scratch);
            if (d > maxd[set]) maxd[set] = d;
        }
        for (int set = 0; set < 2; set++) {
            if (maxd[set] == 0) continue;
            acc *S = &bk[2 * nb + 2 * (size_t)set], *T = &bk[2 * nb + 2 * (size_t)set + 1];
            S->empty = 1;
            T->empty = 1;
            for (unsigned d = maxd[set]; d >= 1; d--) {
                acc_mul_acc(S, &bk[(size_t)set * nb + d], c, scratch);
                acc_mul_acc(T, S, c, scratch);
            }
            acc_mul_acc(outs[set], T, c, scratch);
        }
    }
    free(bk);
    limbs_free(mem, slots * n);
    return CCC_OK;
}

/* Max-heap of indices keyed by E[]. */
static void heap_down(size_t *h, size_t len, size_t i, const uint64_t *E) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < len && E[h[l]] > E[h[best]]) best = l;
        if (r < len && E[h[r]] > E[h[best]]) best = r;
        if (best == i) return;
        size_t t = h[i]; h[i] = h[best]; h[best] = t;
        i = best;
    }
}

static void heap_up(size_t *h, size_t i, const uint64_t *E) {
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (E[h[parent]] >= E[h[i]]) return;
        size_t t = h[i]; h[i] = h[parent]; h[parent] = t;
        i = parent;
    }
}

/* out = b^e (e >= 1) by left-to-right binary powering on accumulators. */
static void acc_pow(acc *out, const acc *b, uint64_t e, const ccc_mont *c, mp_limb_t *scratch) {
    out->empty = 1;
    for (int j = 63 - __builtin_clzll(e); j >= 0; j--) {
        acc_sqr(out, c, scratch);
        if ((e >> j) & 1) acc_mul_acc(out, b, c, scratch);
    }
}

/*
 * Bos–Coster on the terms of one sign: while two or more terms remain, take the largest
 * exponent e1 (base b1) and the next e2 (base b2), write e1 = q·e2 + r and replace the pair by
 * (b1, r), (b2·b1^q, e2). Equal exponents merge (this is where many terms with few distinct
 * exponents, as in a neural layer with 8-bit weights, collapse at one multiplication each); the
 * last term is powered by square-and-multiply. out receives the product (empty if no term).
 */
static ccc_status bos_coster(acc *out, const mp_limb_t *bases, int leaf, const int64_t *exps, size_t count, int neg,
                             const ccc_mont *c, mp_limb_t *scratch) {
    size_t n = (size_t)c->n, m = 0;
    for (size_t i = 0; i < count; i++)
        if (neg ? exps[i] < 0 : exps[i] > 0) m++;
    out->empty = 1;
    if (m == 0) return CCC_OK;
    mp_limb_t *vals = limbs_alloc((m + 1) * n);
    acc *el = calloc(m + 1, sizeof(acc));
    uint64_t *E = malloc(m * sizeof(uint64_t));
    size_t *h = malloc(m * sizeof(size_t));
    if (vals == NULL || el == NULL || E == NULL || h == NULL) {
        limbs_free(vals, (m + 1) * n);
        free(el);
        free(E);
        free(h);
        return CCC_ERR_OUT_OF_MEMORY;
    }
    size_t j = 0;
    for (size_t i = 0; i < count; i++) {
        if (!(neg ? exps[i] < 0 : exps[i] > 0)) continue;
        el[j].v = vals + j * n;
        memcpy(el[j].v, bases + i * n, n * sizeof(mp_limb_t));
        el[j].off = leaf;
        el[j].empty = 0;
        E[j] = mag64(exps[i]);
        h[j] = j;
        j++;
    }
    acc T = {vals + m * n, 0, 1};
    size_t len = m;
    for (size_t i = len / 2; i-- > 0;) heap_down(h, len, i, E);
    while (len > 1) {
        size_t i1 = h[0];
        h[0] = h[--len];
        heap_down(h, len, 0, E);
        size_t i2 = h[0];
        uint64_t e1 = E[i1], e2 = E[i2];
        uint64_t q = e1 / e2, rem = e1 - q * e2;
        if (q == 1) {
            acc_mul_acc(&el[i2], &el[i1], c, scratch);
        } else {
            acc_pow(&T, &el[i1], q, c, scratch);
            acc_mul_acc(&el[i2], &T, c, scratch);
        }
        if (rem > 0) {
            E[i1] = rem;
            h[len] = i1;
            heap_up(h, len, E);
            len++;
        }
    }
    acc_pow(out, &el[h[0]], E[h[0]], c, scratch);  /* writes into the caller's out->v */
    limbs_free(vals, (m + 1) * n);
    free(el);
    free(E);
    free(h);
    return CCC_OK;
}

/* Core on prepared bases (count·n limbs in [0, m): raw residues for leaf = 0, Montgomery form
 * for leaf = -1). */
static ccc_status multiexp_prepared(mpz_ptr r, const mp_limb_t *bases, int leaf, const int64_t *exps, size_t count,
                                    const ccc_mont *c, ccc_multiexp_algorithm alg) {
    size_t n = (size_t)c->n;
    uint64_t maxmag = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t k = mag64(exps[i]);
        if (k > maxmag) maxmag = k;
    }
    unsigned bits = u64_bits(maxmag);
    if (bits == 0) {  /* every exponent is 0 */
        mpz_set_ui(r, 1);
        mpz_mod(r, r, c->mz);
        return CCC_OK;
    }
    if (alg == CCC_MULTIEXP_AUTO) alg = ccc_multiexp_choose(count, bits);
    mp_limb_t *mem = limbs_alloc(4 * n);
    if (mem == NULL) return CCC_ERR_OUT_OF_MEMORY;
    acc P = {mem, 0, 1}, Q = {mem + n, 0, 1};
    mp_limb_t *scratch = mem + 2 * n;
    ccc_status s;
    int binary = 0;
retry:
    if (alg == CCC_MULTIEXP_STRAUS) {
        s = multiexp_straus(&P, &Q, bases, leaf, exps, count, bits, binary, c, scratch);
    } else if (alg == CCC_MULTIEXP_PIPPENGER) {
        unsigned cb = best_pippenger_c(count, bits, NULL);
        s = multiexp_pippenger(&P, &Q, bases, leaf, exps, count, bits, cb, c, scratch);
    } else if (alg == CCC_MULTIEXP_BOS_COSTER) {
        s = bos_coster(&P, bases, leaf, exps, count, 0, c, scratch);
        if (s == CCC_OK) s = bos_coster(&Q, bases, leaf, exps, count, 1, c, scratch);
    } else {
        s = CCC_ERR_INVALID_ARGUMENT;
    }
    if (s == CCC_OK && Q.empty) {
        acc_finish(r, &P, c, scratch);
    } else if (s == CCC_OK) {
        /* X_P = p·R^-a, X_Q = q·R^-b. Y = X_Q^-1 = q^-1·R^b (one plain inversion); MM(X_P, Y) =
         * p·q^-1·R^(b-a-1); one correction by R^d, d = a + 1 - b, replaces two corrections and
         * the final product. An empty P counts as the raw residue 1 (a = 0). */
        if (P.empty) {
            memset(P.v, 0, n * sizeof(mp_limb_t));
            P.v[0] = 1;
            if (mpz_cmp_ui(c->mz, 1) == 0) P.v[0] = 0;
            P.off = 0;
            P.empty = 0;
        }
        mpz_t q;
        mpz_init(q);
        mpz_from_limbs(q, Q.v, c->n);
        if (mpz_invert(q, q, c->mz) == 0) {
            s = CCC_ERR_NOT_INVERTIBLE;
            mpz_clear(q);
            if (alg == CCC_MULTIEXP_STRAUS && !binary) {
                /* NAF digits may put a base with a positive exponent into Q: decide again with
                 * binary digits, where Q holds exactly the negative-exponent bases. */
                binary = 1;
                P.empty = Q.empty = 1;
                goto retry;
            }
        } else {
            limbs_from_mpz(Q.v, q, c->n);
            mpz_clear(q);
            mont_mul(P.v, P.v, Q.v, c, scratch);
            __int128 d = P.off + 1 - Q.off;
            unsigned __int128 k = (unsigned __int128)(d < 0 ? -d : d);
            const mp_limb_t *tab = d < 0 ? c->rinv : c->rpow;
            for (int j = 0; j < CCC_MONT_RPOW; j++)
                if ((k >> j) & 1) mont_mul(P.v, P.v, tab + (size_t)j * n, c, scratch);
            mpz_from_limbs(r, P.v, c->n);
        }
    }
    limbs_free(mem, 4 * n);
    return s;
}

/* Bases as n-limb residues in [0, m); in Montgomery form (x·R mod m) when `convert`. */
static ccc_status prepare_bases(mp_limb_t **out, mpz_srcptr const *bases, size_t count, const ccc_mont *c,
                                int convert) {
    size_t n = (size_t)c->n;
    if (count > SIZE_MAX / n / sizeof(mp_limb_t)) return CCC_ERR_OUT_OF_MEMORY;
    mp_limb_t *b = limbs_alloc(count * n);
    if (b == NULL) return CCC_ERR_OUT_OF_MEMORY;
    mpz_t t;
    mpz_init(t);
    for (size_t i = 0; i < count; i++) {
        if (bases[i] == NULL) {
            mpz_clear(t);
            limbs_free(b, count * n);
            return CCC_ERR_INVALID_ARGUMENT;
        }
        reduce_to_limbs(b + i * n, bases[i], c, t);
    }
    mpz_clear(t);
    if (convert) {
        mp_limb_t *scratch = limbs_alloc(2 * n);
        if (scratch == NULL) { limbs_free(b, count * n); return CCC_ERR_OUT_OF_MEMORY; }
        for (size_t i = 0; i < count; i++) mont_mul(b + i * n, b + i * n, c->r2, c, scratch);
        limbs_free(scratch, 2 * n);
    }
    *out = b;
    return CCC_OK;
}

static int mont_ready(const ccc_mont *c) { return c != NULL && c->n > 0 && c->m != NULL; }

ccc_status ccc_multiexp_vartime(mpz_ptr r, mpz_srcptr const *bases, const int64_t *exps, size_t count,
                                const ccc_mont *ctx, ccc_multiexp_algorithm algorithm) {
    if (r == NULL || !mont_ready(ctx)) return CCC_ERR_INVALID_ARGUMENT;
    if (count > 0 && (bases == NULL || exps == NULL)) return CCC_ERR_INVALID_ARGUMENT;
    if (count > ((size_t)1 << 32)) return CCC_ERR_INVALID_ARGUMENT;
    if (algorithm != CCC_MULTIEXP_AUTO && algorithm != CCC_MULTIEXP_STRAUS && algorithm != CCC_MULTIEXP_PIPPENGER &&
        algorithm != CCC_MULTIEXP_BOS_COSTER)
        return CCC_ERR_INVALID_ARGUMENT;
    if (count == 0) {
        mpz_set_ui(r, 1);
        mpz_mod(r, r, ctx->mz);
        return CCC_OK;
    }
    if (count == 1 && algorithm == CCC_MULTIEXP_AUTO) {
        /* one term is one exponentiation: GMP's sliding-window mpz_powm is as good as it gets */
        if (bases[0] == NULL || exps == NULL) return CCC_ERR_INVALID_ARGUMENT;
        mpz_t e;
        mpz_init(e);
        ccc_mpz_set_i64(e, exps[0]);
        ccc_status st = ccc_powm_vartime(r, bases[0], e, ctx->mz);
        mpz_clear(e);
        return st;
    }
    /* Raw residues leave R^off to remove at the end (about popcount(off) multiplications, off
     * about the sum of the exponents of each sign); Montgomery form costs one multiplication per
     * base. Few terms with large exponents convert; many terms with small exponents stay raw. */
    unsigned __int128 spos = 0, sneg = 0;
    for (size_t i = 0; i < count; i++) {
        if (exps[i] > 0) spos += mag64(exps[i]);
        else sneg += mag64(exps[i]);
    }
    unsigned raw_cost = 0;
    if (spos > 1) raw_cost += (unsigned)(__builtin_popcountll((uint64_t)(spos - 1)) + __builtin_popcountll((uint64_t)((spos - 1) >> 64)));
    if (sneg > 1) raw_cost += (unsigned)(__builtin_popcountll((uint64_t)(sneg - 1)) + __builtin_popcountll((uint64_t)((sneg - 1) >> 64)));
    int convert = (double)count + 2.0 < (double)raw_cost;
    mp_limb_t *b = NULL;
    ccc_status s = prepare_bases(&b, bases, count, ctx, convert);
    if (s != CCC_OK) return s;
    s = multiexp_prepared(r, b, convert ? -1 : 0, exps, count, ctx, algorithm);
    limbs_free(b, count * (size_t)ctx->n);
    return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Paillier                                                                                    */

ccc_status ccc_paillier_L(mpz_ptr r, mpz_srcptr u, mpz_srcptr n) {
    if (r == NULL || u == NULL || n == NULL || mpz_sgn(n) <= 0 || mpz_sgn(u) <= 0) return CCC_ERR_INVALID_ARGUMENT;
    mpz_t t;
    mpz_init(t);
    mpz_sub_ui(t, u, 1);
    if (!mpz_divisible_p(t, n)) { mpz_clear(t); return CCC_ERR_INVALID_ARGUMENT; }
    mpz_divexact(r, t, n);
    ccc_mpz_clear(t);
    return CCC_OK;
}

/* c = (1 + m n) x mod n^2 = x + n (m x mod n), x in [0, n^2). c may alias x. */
static void apply_plaintext(mpz_ptr c, mpz_srcptr m, mpz_srcptr x, mpz_srcptr n, mpz_srcptr n2) {
    mpz_t t;
    mpz_init(t);
    mpz_mul(t, m, x);
    mpz_mod(t, t, n);
    mpz_mul(t, t, n);
    mpz_add(c, x, t);
    if (mpz_cmp(c, n2) >= 0) mpz_sub(c, c, n2);
    ccc_mpz_clear(t);
}

ccc_status ccc_paillier_apply_plaintext(mpz_ptr c, mpz_srcptr m, mpz_srcptr x, mpz_srcptr n, mpz_srcptr n2) {
    if (c == NULL || m == NULL || x == NULL || n == NULL || n2 == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_cmp_ui(n, 3) < 0 || mpz_even_p(n)) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(m) < 0 || mpz_cmp(m, n) >= 0 || mpz_sgn(x) <= 0 || mpz_cmp(x, n2) >= 0) return CCC_ERR_INVALID_ARGUMENT;
    apply_plaintext(c, m, x, n, n2);
    return CCC_OK;
}

ccc_status ccc_paillier_encrypt(mpz_ptr c, mpz_srcptr m, mpz_srcptr r, mpz_srcptr n, mpz_srcptr n2,
                                int constant_time) {
    if (c == NULL || m == NULL || r == NULL || n == NULL || n2 == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_cmp_ui(n, 3) < 0 || mpz_even_p(n)) return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(m) < 0 || mpz_cmp(m, n) >= 0 || mpz_sgn(r) <= 0 || mpz_cmp(r, n) >= 0)
        return CCC_ERR_INVALID_ARGUMENT;
    mpz_t x;
    mpz_init(x);
    powm_either(x, r, n, n2, constant_time);
    apply_plaintext(c, m, x, n, n2);
    ccc_mpz_clear(x);
    return CCC_OK;
}

ccc_status ccc_paillier_key_init(ccc_paillier_key *key, mpz_srcptr p, mpz_srcptr q) {
    if (key == NULL) return CCC_ERR_INVALID_ARGUMENT;
    memset(key, 0, sizeof *key);
    ccc_status s = ccc_crt2_init(&key->crt, p, q);
    if (s != CCC_OK) return s;
    mpz_inits(key->lambda, key->mu, key->pm1, key->qm1, key->hp, key->hq, key->enc_ep, key->enc_eq, NULL);
    const ccc_crt2 *c = &key->crt;
    mpz_sub_ui(key->pm1, c->p, 1);
    mpz_sub_ui(key->qm1, c->q, 1);
    mpz_t t;
    mpz_init(t);
    mpz_mul(t, key->pm1, key->qm1);
    mpz_gcd(t, t, c->n);
    int coprime = mpz_cmp_ui(t, 1) == 0;
    mpz_clear(t);
    if (!coprime) { ccc_paillier_key_clear(key); return CCC_ERR_INVALID_ARGUMENT; }
    mpz_lcm(key->lambda, key->pm1, key->qm1);
    if (mpz_invert(key->mu, key->lambda, c->n) == 0) { ccc_paillier_key_clear(key); return CCC_ERR_NOT_INVERTIBLE; }
    /* g = n + 1: g^(p-1) mod p^2 = 1 + (p-1) n mod p^2, L_p of it = (p-1) q mod p = -q mod p. */
    mpz_t g, u;
    mpz_init(g);
    mpz_init(u);
    mpz_add_ui(g, c->n, 1);
    mpz_powm(u, g, key->pm1, c->p2);
    ccc_status sl = ccc_paillier_L(key->hp, u, c->p);
    if (sl == CCC_OK && mpz_invert(key->hp, key->hp, c->p) == 0) sl = CCC_ERR_NOT_INVERTIBLE;
    if (sl == CCC_OK) {
        mpz_powm(u, g, key->qm1, c->q2);
        sl = ccc_paillier_L(key->hq, u, c->q);
        if (sl == CCC_OK && mpz_invert(key->hq, key->hq, c->q) == 0) sl = CCC_ERR_NOT_INVERTIBLE;
    }
    mpz_clear(g);
    mpz_clear(u);
    if (sl != CCC_OK) { ccc_paillier_key_clear(key); return sl; }
    mpz_mod(key->enc_ep, c->q, key->pm1);
    mpz_mod(key->enc_eq, c->p, key->qm1);
    return CCC_OK;
}

void ccc_paillier_key_clear(ccc_paillier_key *key) {
    if (key == NULL) return;
    ccc_crt2_clear(&key->crt);
    mpz_ptr all[] = {key->lambda, key->mu, key->pm1, key->qm1, key->hp, key->hq, key->enc_ep, key->enc_eq};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) mpz_wipe_clear(all[i]);
    memset(key, 0, sizeof *key);
}

static int key_ready(const ccc_paillier_key *k) { return k != NULL && crt2_ready(&k->crt) && k->mu->_mp_d != NULL; }

/* y = r^N mod pp via ((r mod p)^e1 mod p)^p mod p^2. */
static void enc_half(mpz_ptr y, mpz_srcptr r, mpz_srcptr prime, mpz_srcptr pp, mpz_srcptr e1, int ct) {
    mpz_t s;
    mpz_init(s);
    mpz_mod(s, r, prime);
    if (mpz_sgn(s) == 0) {
        mpz_set_ui(y, 0);
    } else {
        if (mpz_sgn(e1) == 0) mpz_set_ui(s, 1);
        else powm_either(s, s, e1, prime, ct);
        powm_either(y, s, prime, pp, ct);
    }
    ccc_mpz_clear(s);
}

ccc_status ccc_paillier_encrypt_crt(mpz_ptr c, mpz_srcptr m, mpz_srcptr r, const ccc_paillier_key *key,
                                    int constant_time) {
    if (c == NULL || m == NULL || r == NULL || !key_ready(key)) return CCC_ERR_INVALID_ARGUMENT;
    const ccc_crt2 *k = &key->crt;
    if (mpz_sgn(m) < 0 || mpz_cmp(m, k->n) >= 0 || mpz_sgn(r) <= 0 || mpz_cmp(r, k->n) >= 0)
        return CCC_ERR_INVALID_ARGUMENT;
    mpz_t xp, xq;
    mpz_init(xp);
    mpz_init(xq);
    enc_half(xp, r, k->p, k->p2, key->enc_ep, constant_time);
    enc_half(xq, r, k->q, k->q2, key->enc_eq, constant_time);
    garner(xp, xp, xq, k->p2, k->q2, k->p2inv);
    apply_plaintext(c, m, xp, k->n, k->n2);
    ccc_mpz_clear(xp);
    ccc_mpz_clear(xq);
    return CCC_OK;
}

ccc_status ccc_paillier_decrypt(mpz_ptr m, mpz_srcptr c, const ccc_paillier_key *key, int constant_time) {
    if (m == NULL || c == NULL || !key_ready(key)) return CCC_ERR_INVALID_ARGUMENT;
    const ccc_crt2 *k = &key->crt;
    if (mpz_sgn(c) <= 0 || mpz_cmp(c, k->n2) >= 0) return CCC_ERR_INVALID_ARGUMENT;
    mpz_t u;
    mpz_init(u);
    powm_either(u, c, key->lambda, k->n2, constant_time);
    ccc_status s = ccc_paillier_L(u, u, k->n);
    if (s == CCC_OK) {
        mpz_mul(u, u, key->mu);
        mpz_mod(m, u, k->n);
    }
    ccc_mpz_clear(u);
    return s;
}

/* m_half = L_prime(c^(prime-1) mod pp) · h mod prime. */
static ccc_status dec_half(mpz_ptr out, mpz_srcptr c, mpz_srcptr prime, mpz_srcptr pp, mpz_srcptr e, mpz_srcptr h,
                           int ct) {
    mpz_t u;
    mpz_init(u);
    mpz_mod(u, c, pp);
    powm_either(u, u, e, pp, ct);
    ccc_status s = ccc_paillier_L(u, u, prime);
    if (s == CCC_OK) {
        mpz_mul(u, u, h);
        mpz_mod(out, u, prime);
    }
    ccc_mpz_clear(u);
    return s;
}

ccc_status ccc_paillier_decrypt_crt(mpz_ptr m, mpz_srcptr c, const ccc_paillier_key *key, int constant_time) {
    if (m == NULL || c == NULL || !key_ready(key)) return CCC_ERR_INVALID_ARGUMENT;
    const ccc_crt2 *k = &key->crt;
    if (mpz_sgn(c) <= 0 || mpz_cmp(c, k->n2) >= 0) return CCC_ERR_INVALID_ARGUMENT;
    mpz_t mp, mq;
    mpz_init(mp);
    mpz_init(mq);
    ccc_status s = dec_half(mp, c, k->p, k->p2, key->pm1, key->hp, constant_time);
    if (s == CCC_OK) s = dec_half(mq, c, k->q, k->q2, key->qm1, key->hq, constant_time);
    if (s == CCC_OK) garner(m, mp, mq, k->p, k->q, k->pinv);
    ccc_mpz_clear(mp);
    ccc_mpz_clear(mq);
    return s;
}

/* ------------------------------------------------------------------------------------------ */
/* Batches                                                                                     */

typedef ccc_status (*batch_item_fn)(void *arg, size_t i);

typedef struct batch_run {
    batch_item_fn fn;
    void *arg;
    size_t count;
    atomic_size_t next;
    atomic_int status;
} batch_run;

static void *batch_worker(void *p) {
    batch_run *b = p;
    for (;;) {
        if (atomic_load_explicit(&b->status, memory_order_relaxed) != CCC_OK) break;
        size_t i = atomic_fetch_add_explicit(&b->next, 1, memory_order_relaxed);
        if (i >= b->count) break;
        ccc_status s = b->fn(b->arg, i);
        if (s != CCC_OK) {
            int expected = CCC_OK;
            atomic_compare_exchange_strong(&b->status, &expected, (int)s);
        }
    }
    return NULL;
}

/*
 * Runs fn(arg, i) for i < count on `threads` threads (the caller included). If a thread cannot be
 * started the remaining threads do its share (the result is still complete).
 */
static ccc_status run_batch(size_t count, unsigned threads, batch_item_fn fn, void *arg) {
    if (threads < 1 || threads > CCC_MAX_THREADS) return CCC_ERR_INVALID_ARGUMENT;
    if (count == 0) return CCC_OK;
    batch_run b;
    b.fn = fn;
    b.arg = arg;
    b.count = count;
    atomic_init(&b.next, 0);
    atomic_init(&b.status, CCC_OK);
    size_t extra = threads - 1;
    if (extra > count - 1) extra = count - 1;
    pthread_t tids[CCC_MAX_THREADS];
    size_t started = 0;
    for (size_t t = 0; t < extra; t++) {
        if (pthread_create(&tids[started], NULL, batch_worker, &b) != 0) break;
        started++;
    }
    batch_worker(&b);
    for (size_t t = 0; t < started; t++) pthread_join(tids[t], NULL);
    return (ccc_status)atomic_load(&b.status);
}

static int ptrs_ok(const void *const *p, size_t count) {
    if (count == 0) return 1;
    if (p == NULL) return 0;
    for (size_t i = 0; i < count; i++)
        if (p[i] == NULL) return 0;
    return 1;
}

typedef struct powm_batch_arg {
    mpz_ptr const *r;
    mpz_srcptr const *b;
    mpz_srcptr const *e;
    mpz_srcptr m;
    const ccc_crt2 *crt;
    int ct;
} powm_batch_arg;

static ccc_status powm_item(void *p, size_t i) {
    powm_batch_arg *a = p;
    return ccc_powm_vartime(a->r[i], a->b[i], a->e[i], a->m);
}

static ccc_status crt_item(void *p, size_t i) {
    powm_batch_arg *a = p;
    return ccc_crt2_powm(a->r[i], a->b[i], a->e[i], a->crt, a->ct);
}

ccc_status ccc_powm_batch_vartime(mpz_ptr const *r, mpz_srcptr const *b, mpz_srcptr const *e, size_t count,
                                  mpz_srcptr m, unsigned threads) {
    if (m == NULL || !ptrs_ok((const void *const *)r, count) || !ptrs_ok((const void *const *)b, count) ||
        !ptrs_ok((const void *const *)e, count))
        return CCC_ERR_INVALID_ARGUMENT;
    if (mpz_sgn(m) <= 0 || threads < 1 || threads > CCC_MAX_THREADS) return CCC_ERR_INVALID_ARGUMENT;
    powm_batch_arg a = {r, b, e, m, NULL, 0};
    return run_batch(count, threads, powm_item, &a);
}

ccc_status ccc_crt2_powm_batch(mpz_ptr const *r, mpz_srcptr const *b, mpz_srcptr const *e, size_t count,
                               const ccc_crt2 *ctx, int constant_time, unsigned threads) {
    if (!crt2_ready(ctx) || !ptrs_ok((const void *const *)r, count) || !ptrs_ok((const void *const *)b, count) ||
        !ptrs_ok((const void *const *)e, count))
        return CCC_ERR_INVALID_ARGUMENT;
    powm_batch_arg a = {r, b, e, NULL, ctx, constant_time};
    return run_batch(count, threads, crt_item, &a);
}

typedef struct multiexp_batch_arg {
    mpz_ptr const *r;
    const mp_limb_t *bases;
    const int64_t *exps;
    size_t count;
    const ccc_mont *ctx;
} multiexp_batch_arg;

static ccc_status multiexp_item(void *p, size_t j) {
    multiexp_batch_arg *a = p;
    return multiexp_prepared(a->r[j], a->bases, 0, a->exps + j * a->count, a->count, a->ctx, CCC_MULTIEXP_AUTO);
}

ccc_status ccc_multiexp_batch_vartime(mpz_ptr const *r, size_t rows, mpz_srcptr const *bases,
                                      const int64_t *exps, size_t count, const ccc_mont *ctx,
                                      unsigned threads) {
    if (!mont_ready(ctx) || !ptrs_ok((const void *const *)r, rows) || !ptrs_ok((const void *const *)bases, count))
        return CCC_ERR_INVALID_ARGUMENT;
    if (threads < 1 || threads > CCC_MAX_THREADS || count > ((size_t)1 << 32)) return CCC_ERR_INVALID_ARGUMENT;
    if (rows > 0 && count > 0 && exps == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (count > 0 && rows > SIZE_MAX / count) return CCC_ERR_INVALID_ARGUMENT;
    if (rows == 0) return CCC_OK;
    if (count == 0) {
        for (size_t j = 0; j < rows; j++) {
            mpz_set_ui(r[j], 1);
            mpz_mod(r[j], r[j], ctx->mz);
        }
        return CCC_OK;
    }
    mp_limb_t *b = NULL;
    ccc_status s = prepare_bases(&b, bases, count, ctx, 0);
    if (s != CCC_OK) return s;
    multiexp_batch_arg a = {r, b, exps, count, ctx};
    s = run_batch(rows, threads, multiexp_item, &a);
    limbs_free(b, count * (size_t)ctx->n);
    return s;
}

typedef struct paillier_batch_arg {
    mpz_ptr const *out;
    mpz_srcptr const *in;
    mpz_srcptr const *r;
    mpz_srcptr n, n2;
    const ccc_paillier_key *key;
    int crt, ct;
} paillier_batch_arg;

static ccc_status enc_item(void *p, size_t i) {
    paillier_batch_arg *a = p;
    return ccc_paillier_encrypt(a->out[i], a->in[i], a->r[i], a->n, a->n2, a->ct);
}

static ccc_status enc_crt_item(void *p, size_t i) {
    paillier_batch_arg *a = p;
    return ccc_paillier_encrypt_crt(a->out[i], a->in[i], a->r[i], a->key, a->ct);
}

static ccc_status dec_item(void *p, size_t i) {
    paillier_batch_arg *a = p;
    return a->crt ? ccc_paillier_decrypt_crt(a->out[i], a->in[i], a->key, a->ct)
                  : ccc_paillier_decrypt(a->out[i], a->in[i], a->key, a->ct);
}

ccc_status ccc_paillier_encrypt_batch(mpz_ptr const *c, mpz_srcptr const *m, mpz_srcptr const *r, size_t count,
                                      mpz_srcptr n, mpz_srcptr n2, int constant_time, unsigned threads) {
    if (n == NULL || n2 == NULL || !ptrs_ok((const void *const *)c, count) ||
        !ptrs_ok((const void *const *)m, count) || !ptrs_ok((const void *const *)r, count))
        return CCC_ERR_INVALID_ARGUMENT;
    paillier_batch_arg a = {c, m, r, n, n2, NULL, 0, constant_time};
    return run_batch(count, threads, enc_item, &a);
}

ccc_status ccc_paillier_encrypt_crt_batch(mpz_ptr const *c, mpz_srcptr const *m, mpz_srcptr const *r,
                                          size_t count, const ccc_paillier_key *key, int constant_time,
                                          unsigned threads) {
    if (!key_ready(key) || !ptrs_ok((const void *const *)c, count) || !ptrs_ok((const void *const *)m, count) ||
        !ptrs_ok((const void *const *)r, count))
        return CCC_ERR_INVALID_ARGUMENT;
    paillier_batch_arg a = {c, m, r, NULL, NULL, key, 1, constant_time};
    return run_batch(count, threads, enc_crt_item, &a);
}

ccc_status ccc_paillier_decrypt_batch(mpz_ptr const *m, mpz_srcptr const *c, size_t count,
                                      const ccc_paillier_key *key, int crt, int constant_time,
                                      unsigned threads) {
    if (!key_ready(key) || !ptrs_ok((const void *const *)m, count) || !ptrs_ok((const void *const *)c, count))
        return CCC_ERR_INVALID_ARGUMENT;
    paillier_batch_arg a = {m, c, NULL, NULL, NULL, key, crt, constant_time};
    return run_batch(count, threads, dec_item, &a);
}
