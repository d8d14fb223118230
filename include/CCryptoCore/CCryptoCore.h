/* Umbrella header of the CCryptoCore C target. */
#ifndef CCRYPTOCORE_H
#define CCRYPTOCORE_H
#include "ccc_common.h"
#include "ccc_modarith.h"
#include "ccc_primes.h"
#include "ccc_ntt.h"
#include "ccc_poly.h"
#include "ccc_rns.h"
#include "ccc_bigint.h"
#include "ccc_modexp.h"
#include "ccc_rlwe.h"
#endif
