/*
 * Modular exponentiation for Paillier-size moduli (N = 2048 / 3072 bits, N^2 = 4096 / 6144 bits):
 * Montgomery arithmetic, exponentiation with CRT, fixed-base tables, simultaneous
 * multi-exponentiation with signed word exponents, constant-time paths for secret exponents,
 * Paillier encryption / decryption kernels and threaded batch entry points.
 *
 * Conventions: GMP style (output first), every fallible routine returns a ccc_status and never
 * aborts. Contexts are structs the caller allocates; *_init fills them (allocating their internal
 * tables once), *_clear wipes and frees. A context is read-only after init, so several threads
 * may use one context at the same time. No global mutable state.
 *
 * Timing: routines named *_vartime may branch and index memory on every input (use them with
 * public exponents: N, weights of a public model, ...). Routines with a `constant_time` argument
 * use GMP's mpz_powm_sec (timing independent of the exponent and base values, dependent only on
 * their sizes) when it is non-zero; those names carry no suffix. Everything else says what it leaks.
 */
#ifndef CCC_MODEXP_H
#define CCC_MODEXP_H

#include <stddef.h>
#include <stdint.h>
#include <gmp.h>
#include "ccc_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Montgomery context for an odd modulus m > 1 (R = 2^(64·n), n = limbs of m).                 */

typedef struct ccc_mont {
    mp_size_t n;          /* limbs of m */
    mp_limb_t minv;       /* -m^-1 mod 2^64 */
    mp_limb_t *m;         /* n limbs */
    mp_limb_t *one;       /* R mod m (1 in Montgomery form), n limbs */
    mp_limb_t *r2;        /* R^2 mod m, n limbs */
    mp_limb_t *rpow;      /* rpow[j] = R^(2^j + 1) mod m for j < CCC_MONT_RPOW: MM by it multiplies by R^(2^j) */
    mp_limb_t *rinv;      /* rinv[j] = R^(1 - 2^j) mod m: MM by it multiplies by R^-(2^j) */
    mpz_t mz;             /* m as an mpz */
} ccc_mont;

#define CCC_MONT_RPOW 128

/* CCC_ERR_INVALID_ARGUMENT unless m is odd and > 1. */
ccc_status ccc_mont_init(ccc_mont *ctx, mpz_srcptr m);
void ccc_mont_clear(ccc_mont *ctx);

/* r = a·b mod m through Montgomery form (two Montgomery multiplications). a, b any integers. */
ccc_status ccc_mont_mulmod(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, const ccc_mont *ctx);
/*
 * One Montgomery multiplication: r = a·b·R^-1 mod m, for 0 <= a, b < m (CCC_ERR_INVALID_ARGUMENT
 * otherwise). With operands kept in Montgomery form (x·R) this is the product of their values.
 * Variable time (final conditional subtraction). r must not alias a or b.
 */
ccc_status ccc_mont_product(mpz_ptr r, mpz_srcptr a, mpz_srcptr b, const ccc_mont *ctx);

/* ------------------------------------------------------------------------------------------ */
/* Single exponentiations.                                                                     */

/*
 * r = b^e mod m (m > 0), variable time (GMP mpz_powm). A negative e needs gcd(b, m) = 1
 * (CCC_ERR_NOT_INVERTIBLE otherwise). The result is in [0, m).
 */
ccc_status ccc_powm_vartime(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m);

/*
 * r = b^e mod m with GMP mpz_powm_sec: time depends only on the sizes of b, e and m.
 * m must be odd and > 1 (CCC_ERR_INVALID_ARGUMENT otherwise), e >= 0 (e = 0 gives 1).
 */
ccc_status ccc_powm_sec(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, mpz_srcptr m);

/* ------------------------------------------------------------------------------------------ */
/* Two-prime CRT context: N = p·q, exponentiation mod N^2 (or mod N) from halves mod p^2, q^2.  */

typedef struct ccc_crt2 {
    mpz_t p, q;           /* distinct odd primes */
    mpz_t p2, q2;         /* p^2, q^2 */
    mpz_t n, n2;          /* p·q, (p·q)^2 */
    mpz_t phi_p2, phi_q2; /* p(p-1), q(q-1): orders of Z*_{p^2}, Z*_{q^2} */
    mpz_t p2inv;          /* (p^2)^-1 mod q^2, for Garner recombination mod N^2 */
    mpz_t pinv;           /* p^-1 mod q, for Garner recombination mod N */
} ccc_crt2;

/*
 * p, q distinct odd primes (checked with ccc_mpz_probab_prime: CCC_ERR_NOT_PRIME otherwise;
 * CCC_ERR_INVALID_ARGUMENT for p = q or values <= 2).
 */
ccc_status ccc_crt2_init(ccc_crt2 *ctx, mpz_srcptr p, mpz_srcptr q);
void ccc_crt2_clear(ccc_crt2 *ctx);

/* Garner: r in [0, N^2) with r = xp mod p^2 and r = xq mod q^2 (xp, xq any integers). */
ccc_status ccc_crt2_combine_sq(mpz_ptr r, mpz_srcptr xp, mpz_srcptr xq, const ccc_crt2 *ctx);
/* Garner: r in [0, N) with r = xp mod p and r = xq mod q. */
ccc_status ccc_crt2_combine(mpz_ptr r, mpz_srcptr xp, mpz_srcptr xq, const ccc_crt2 *ctx);

/*
 * r = b^e mod N^2 by halves mod p^2 and q^2 with exponents reduced mod p(p-1), q(q-1) (when b is
 * prime to p, resp. q; otherwise that half uses e itself), recombined by Garner.
 * e >= 0, or e < 0 with gcd(b, N) = 1. constant_time != 0: both halves by mpz_powm_sec
 * (for secret exponents; the reduction of e is a division, whose time depends on e's size only).
 */
ccc_status ccc_crt2_powm(mpz_ptr r, mpz_srcptr b, mpz_srcptr e, const ccc_crt2 *ctx, int constant_time);

/* ------------------------------------------------------------------------------------------ */
/* Fixed-base table: g^e mod m for many e with a precomputed comb of windows.                   */

typedef struct ccc_fixed_base {
    ccc_mont mont;        /* own copy of the modulus context */
    unsigned window;      /* w in 1...8 */
    size_t windows;       /* ceil(max_bits / w) */
    size_t max_bits;      /* exponents must satisfy 0 <= e < 2^max_bits */
    mp_limb_t *table;     /* windows rows of 2^w entries of n limbs: row i, entry d = g^(d·2^(w·i)),
                             Montgomery form (entry 0 = 1) */
} ccc_fixed_base;

/*
 * Precomputes the table for base g modulo m (odd, > 1) and exponents below 2^max_bits
 * (1 <= max_bits <= 2^20). window = 0 picks a default (5 up to 4096-bit moduli... see source);
 * otherwise 1...8. Memory: windows · 2^w · n limbs.
 */
ccc_status ccc_fixed_base_init(ccc_fixed_base *fb, mpz_srcptr g, mpz_srcptr m, size_t max_bits, unsigned window);
void ccc_fixed_base_clear(ccc_fixed_base *fb);
/* Bytes of the table (for reporting). */
size_t ccc_fixed_base_table_bytes(const ccc_fixed_base *fb);
/*
 * r = g^e mod m, 0 <= e < 2^max_bits (CCC_ERR_INVALID_ARGUMENT otherwise): one multiplication
 * per non-zero window digit, no squarings. Variable time (skips zero digits, indexes by digit).
 */
ccc_status ccc_fixed_base_powm_vartime(mpz_ptr r, mpz_srcptr e, const ccc_fixed_base *fb);
/*
 * The same result for a secret exponent: every window multiplies (digit 0 selects 1), table rows
 * are read in full with mpn_sec_tabselect, products by mpn_sec_mul and a branch-free reduction.
 */
ccc_status ccc_fixed_base_powm_sec(mpz_ptr r, mpz_srcptr e, const ccc_fixed_base *fb);

/* ------------------------------------------------------------------------------------------ */
/* Simultaneous multi-exponentiation with signed word exponents.                                */

/* Which algorithm ccc_multiexp_vartime ran (or would run) for a given shape. */
typedef enum ccc_multiexp_algorithm {
    CCC_MULTIEXP_AUTO = 0,
    CCC_MULTIEXP_STRAUS = 1,     /* interleaved NAF digits, shared squaring chain */
    CCC_MULTIEXP_PIPPENGER = 2,  /* bucket method, windows of c bits */
    CCC_MULTIEXP_BOS_COSTER = 3  /* Bos–Coster: repeatedly (b1,e1),(b2,e2) -> (b1,e1-q·e2),(b2·b1^q,e2) */
} ccc_multiexp_algorithm;

/*
 * r = prod bases[i]^exps[i] mod m (m = ctx's odd modulus), variable time in bases and exponents.
 *
 * Negative exponents: the terms are split by sign, P = prod over k_i > 0 and Q = prod over
 * k_i < 0 of bases[i]^|k_i| are computed side by side, and r = P · Q^-1 with ONE inversion.
 * Inverting each negative-exponent base instead would cost one inversion (about 10 modular
 * multiplications at 4096 bits) per term. CCC_ERR_NOT_INVERTIBLE when Q is not invertible,
 * i.e. some base with a negative exponent shares a factor with m.
 *
 * Bases are used as raw residues when that is cheaper (many terms, small exponents): the powers
 * of R this leaves are tracked and removed at the end with the context's rpow table (about one
 * multiplication per set bit of the exponent sum); otherwise (few terms, large exponents) they
 * are converted into Montgomery form (one multiplication each).
 * count may be 0 (r = 1 mod m); count <= 2^32. algorithm = CCC_MULTIEXP_AUTO picks Bos–Coster for
 * exponents of at most 16 bits, otherwise Straus or Pippenger by a cost model, and hands a single
 * term to mpz_powm.
 */
ccc_status ccc_multiexp_vartime(mpz_ptr r, mpz_srcptr const *bases, const int64_t *exps, size_t count,
                                const ccc_mont *ctx, ccc_multiexp_algorithm algorithm);

/* The algorithm AUTO picks for count terms with exponents of at most max_exp_bits bits. */
ccc_multiexp_algorithm ccc_multiexp_choose(size_t count, unsigned max_exp_bits);

/* ------------------------------------------------------------------------------------------ */
/* Paillier kernels (g = N + 1). The scheme itself (keys, types, serialization) lives above.   */

/* r = L(u) = (u - 1) / n; CCC_ERR_INVALID_ARGUMENT unless 0 < u and u = 1 mod n, n > 0. */
ccc_status ccc_paillier_L(mpz_ptr r, mpz_srcptr u, mpz_srcptr n);

/*
 * Public-key encryption: c = (1 + m·N) · r^N mod N^2, computed as x + N·(m·x mod N) with
 * x = r^N mod N^2. 0 <= m < N, 0 < r < N (gcd(r, N) = 1 is the caller's job: it fails only with
 * negligible probability for random r). constant_time != 0: r^N by mpz_powm_sec.
 */
ccc_status ccc_paillier_encrypt(mpz_ptr c, mpz_srcptr m, mpz_srcptr r, mpz_srcptr n, mpz_srcptr n2,
                                int constant_time);

/*
 * c = (1 + m·N)·x mod N^2 = x + N·(m·x mod N) for a given N-th residue x (for instance h^a from a
 * fixed-base table of h = y^N, or r^N from a precomputed pool). 0 <= m < N, 0 < x < N^2.
 */
ccc_status ccc_paillier_apply_plaintext(mpz_ptr c, mpz_srcptr m, mpz_srcptr x, mpz_srcptr n, mpz_srcptr n2);

/* Key-holder context: CRT data plus decryption constants. */
typedef struct ccc_paillier_key {
    ccc_crt2 crt;
    mpz_t lambda;         /* lcm(p-1, q-1) */
    mpz_t mu;             /* lambda^-1 mod N */
    mpz_t pm1, qm1;       /* p-1, q-1: CRT decryption exponents */
    mpz_t hp, hq;         /* L_p(g^(p-1) mod p^2)^-1 mod p, likewise for q */
    mpz_t enc_ep, enc_eq; /* q mod (p-1), p mod (q-1): CRT encryption exponents */
} ccc_paillier_key;

/*
 * p, q distinct odd primes with gcd(pq, (p-1)(q-1)) = 1 (always true for primes of equal size);
 * CCC_ERR_NOT_PRIME / CCC_ERR_INVALID_ARGUMENT / CCC_ERR_NOT_INVERTIBLE otherwise.
 */
ccc_status ccc_paillier_key_init(ccc_paillier_key *key, mpz_srcptr p, mpz_srcptr q);
void ccc_paillier_key_clear(ccc_paillier_key *key);

/*
 * Encryption by the key holder, equal to ccc_paillier_encrypt for the same (m, r):
 * r^N mod p^2 = ((r mod p)^(q mod (p-1)) mod p)^p mod p^2, because the p-th power map of
 * Z*_{p^2} depends only on the residue mod p; likewise mod q^2; Garner; then the (1 + m·N)
 * factor. Costs a half-size exponentiation mod p and a p-bit one mod p^2 per half (instead of an
 * N-bit exponent mod p^2 for the textbook reduction N mod p(p-1)).
 * constant_time != 0: every exponentiation by mpz_powm_sec (the exponents are secret).
 */
ccc_status ccc_paillier_encrypt_crt(mpz_ptr c, mpz_srcptr m, mpz_srcptr r, const ccc_paillier_key *key,
                                    int constant_time);

/*
 * Decryption without CRT: m = L(c^lambda mod N^2) · mu mod N. 0 <= c < N^2 with
 * c^lambda = 1 mod N (CCC_ERR_INVALID_ARGUMENT otherwise, e.g. c not prime to N).
 */
ccc_status ccc_paillier_decrypt(mpz_ptr m, mpz_srcptr c, const ccc_paillier_key *key, int constant_time);

/*
 * Decryption with CRT: m_p = L_p(c^(p-1) mod p^2)·h_p mod p, m_q likewise, Garner mod N.
 * Same input checks as ccc_paillier_decrypt.
 */
ccc_status ccc_paillier_decrypt_crt(mpz_ptr m, mpz_srcptr c, const ccc_paillier_key *key, int constant_time);

/* ------------------------------------------------------------------------------------------ */
/* Batch entry points: `count` independent operations spread over `threads` POSIX threads       */
/* (1 <= threads <= CCC_MAX_THREADS; the calling thread is one of them; no pool survives the   */
/* call). Items are handed out through an atomic counter. On error the first failing status is */
/* returned (other items may or may not have been computed).                                    */

#define CCC_MAX_THREADS 256

/* r[i] = b[i]^e[i] mod m, variable time. */
ccc_status ccc_powm_batch_vartime(mpz_ptr const *r, mpz_srcptr const *b, mpz_srcptr const *e, size_t count,
                                  mpz_srcptr m, unsigned threads);

/* r[i] = b[i]^e[i] mod N^2 by CRT (ccc_crt2_powm). */
ccc_status ccc_crt2_powm_batch(mpz_ptr const *r, mpz_srcptr const *b, mpz_srcptr const *e, size_t count,
                               const ccc_crt2 *ctx, int constant_time, unsigned threads);

/*
 * rows multi-exponentiations over shared bases: r[j] = prod_i bases[i]^exps[j·count + i] mod m
 * (a dense layer: one output per row of the weight matrix).
 */
ccc_status ccc_multiexp_batch_vartime(mpz_ptr const *r, size_t rows, mpz_srcptr const *bases,
                                      const int64_t *exps, size_t count, const ccc_mont *ctx,
                                      unsigned threads);

/* Batch Paillier encryption with the public key (ccc_paillier_encrypt). */
ccc_status ccc_paillier_encrypt_batch(mpz_ptr const *c, mpz_srcptr const *m, mpz_srcptr const *r, size_t count,
                                      mpz_srcptr n, mpz_srcptr n2, int constant_time, unsigned threads);
/* Batch encryption by the key holder (ccc_paillier_encrypt_crt). */
ccc_status ccc_paillier_encrypt_crt_batch(mpz_ptr const *c, mpz_srcptr const *m, mpz_srcptr const *r,
                                          size_t count, const ccc_paillier_key *key, int constant_time,
                                          unsigned threads);
/* Batch decryption; crt != 0 selects ccc_paillier_decrypt_crt. */
ccc_status ccc_paillier_decrypt_batch(mpz_ptr const *m, mpz_srcptr const *c, size_t count,
                                      const ccc_paillier_key *key, int crt, int constant_time,
                                      unsigned threads);

#ifdef __cplusplus
}
#endif
#endif
