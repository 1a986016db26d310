// SPDX-License-Identifier: GPL-2.0
/*
 * vmsg-gate - the latency regression gate: compare a summary.json with a committed baseline.
 *
 *   vmsg-gate [--transports A,B] noise SUMMARY SUMMARY...
 *	per figure, noise = max/min - 1 over summaries of the same build (separate boots)
 *   vmsg-gate [--transports A,B] [--min-effect X] update BASELINE SUMMARY [NOISE_SUMMARY...]
 *	write BASELINE from SUMMARY; thresholds from the noise of >= 2 NOISE_SUMMARYs
 *   vmsg-gate [--transports A,B] check BASELINE SUMMARY
 *	exit 0 pass, 1 a figure regressed or is missing, 2 usage or input error
 *
 * The figures, thresholds and verdicts are the library's: gate.h (on top of results.h).
 */
#include <stdio.h>

#include "gate.h"

int main(int argc, char **argv)
{
	return gate_main(argc, argv, stdout);
}
