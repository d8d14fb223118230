#include "CCryptoCore/ccc_rns.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

struct ccc_rns_base {
    size_t k;
    size_t words;
    ccc_modulus *mod;
    uint64_t *q_hat_inv;      /* (Q / q_i)^-1 mod q_i */
    uint64_t *q_hat_inv_shoup;
    mpz_t Q;
    mpz_t *q_hat;             /* Q / q_i */
};

ccc_status ccc_rns_base_create(ccc_rns_base **out, const uint64_t *moduli, size_t k) {
    if (out == NULL || moduli == NULL || k == 0 || k > 256) return CCC_ERR_INVALID_ARGUMENT;
    ccc_modulus tmp;
    for (size_t i = 0; i < k; i++)
        if (ccc_modulus_init(&tmp, moduli[i]) != CCC_OK) return CCC_ERR_MODULUS_RANGE;
    ccc_rns_base *b = calloc(1, sizeof *b);
    if (b == NULL) return CCC_ERR_OUT_OF_MEMORY;
    b->k = k;
    b->mod = calloc(k, sizeof *b->mod);
    b->q_hat_inv = calloc(k, sizeof(uint64_t));
    b->q_hat_inv_shoup = calloc(k, sizeof(uint64_t));
    b->q_hat = calloc(k, sizeof(mpz_t));
    if (!b->mod || !b->q_hat_inv || !b->q_hat_inv_shoup || !b->q_hat) {
        free(b->mod); free(b->q_hat_inv); free(b->q_hat_inv_shoup); free(b->q_hat); free(b);
        return CCC_ERR_OUT_OF_MEMORY;
    }
    mpz_init_set_ui(b->Q, 1);
    for (size_t i = 0; i < k; i++) {
        ccc_modulus_init(&b->mod[i], moduli[i]);
        mpz_mul_ui(b->Q, b->Q, moduli[i]);
        mpz_init(b->q_hat[i]);
    }
    ccc_status status = CCC_OK;
    for (size_t i = 0; i < k; i++) {
        mpz_divexact_ui(b->q_hat[i], b->Q, moduli[i]);
        uint64_t r = mpz_fdiv_ui(b->q_hat[i], moduli[i]);
        if (ccc_inv_mod_vartime(&b->q_hat_inv[i], r, moduli[i]) != CCC_OK) { status = CCC_ERR_NOT_INVERTIBLE; break; }
        b->q_hat_inv_shoup[i] = ccc_shoup_precompute(b->q_hat_inv[i], moduli[i]);
    }
    b->words = (mpz_sizeinbase(b->Q, 2) + 63) / 64;
    if (status != CCC_OK) { ccc_rns_base_destroy(b); return status; }
    *out = b;
    return CCC_OK;
}

void ccc_rns_base_destroy(ccc_rns_base *b) {
    if (b == NULL) return;
    for (size_t i = 0; i < b->k; i++) mpz_clear(b->q_hat[i]);
    mpz_clear(b->Q);
    free(b->mod); free(b->q_hat_inv); free(b->q_hat_inv_shoup); free(b->q_hat);
    free(b);
}

size_t ccc_rns_base_words(const ccc_rns_base *b) { return b->words; }

static void export_limbs(uint64_t *limbs, size_t words, const mpz_t x) {
    memset(limbs, 0, words * sizeof *limbs);
    size_t count = 0;
    mpz_export(limbs, &count, -1, sizeof(uint64_t), 0, 0, x);
}

void ccc_rns_base_product(const ccc_rns_base *b, uint64_t *limbs) { export_limbs(limbs, b->words, b->Q); }

ccc_status ccc_rns_compose(const ccc_rns_base *b, uint64_t *out, size_t words,
                           const uint64_t *residues, uint64_t n) {
    if (b == NULL || out == NULL || residues == NULL) return CCC_ERR_INVALID_ARGUMENT;
    if (words < b->words) return CCC_ERR_SIZE_MISMATCH;
    for (size_t i = 0; i < b->k; i++)
        for (uint64_t j = 0; j < n; j++)
            if (residues[i * n + j] >= b->mod[i].q) return CCC_ERR_INVALID_ARGUMENT;
    mpz_t acc;
    mpz_init2(acc, (mp_bitcnt_t)(64 * (b->words + 1)));
    for (uint64_t j = 0; j < n; j++) {
        mpz_set_ui(acc, 0);
        for (size_t i = 0; i < b->k; i++) {
            uint64_t q = b->mod[i].q;
            uint64_t t = ccc_mul_shoup(residues[i * n + j], b->q_hat_inv[i], b->q_hat_inv_shoup[i], q);
            mpz_addmul_ui(acc, b->q_hat[i], t);
        }
        mpz_mod(acc, acc, b->Q);   /* acc < k * Q before the reduction */
        export_limbs(out + j * words, words, acc);
    }
    mpz_clear(acc);
    return CCC_OK;
}

ccc_status ccc_rns_decompose(const ccc_rns_base *b, uint64_t *residues, const uint64_t *in,
                             size_t words, uint64_t n) {
    if (b == NULL || residues == NULL || in == NULL || words == 0) return CCC_ERR_INVALID_ARGUMENT;
    mpz_t x;
    mpz_init(x);
    for (uint64_t j = 0; j < n; j++) {
        mpz_import(x, words, -1, sizeof(uint64_t), 0, 0, in + j * words);
        for (size_t i = 0; i < b->k; i++) residues[i * n + j] = mpz_fdiv_ui(x, b->mod[i].q);
    }
    mpz_clear(x);
    return CCC_OK;
}
