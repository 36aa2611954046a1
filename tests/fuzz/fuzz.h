/*
 * fuzz.h - shared bits of the fuzz targets: the libFuzzer entry point, and a
 * matcher over the bundled patterns compiled once per process.
 *
 * Each fuzz_*.c builds two ways: with clang -fsanitize=fuzzer as a libFuzzer
 * binary (tests/fuzz/run.sh), and with replay.c as a plain program that runs
 * a corpus directory, which ctest does under ASan+UBSan.
 */
#ifndef LS_FUZZ_H
#define LS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "layerscan/rules.h"
#include "match/matcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Targets that scan put this at file scope: libFuzzer then compiles the rules
 * before its first input, outside the per-input timeout (a cold Hyperscan
 * compile under ASan takes longer than -timeout allows). The replay driver
 * never calls it and compiles on first use instead. */
#define FUZZ_COMPILE_MATCHER_AT_START                                                          \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                                          \
    {                                                                                          \
        (void)argc;                                                                            \
        (void)argv;                                                                            \
        (void)fuzz_matcher();                                                                  \
        return 0;                                                                              \
    }

/* The bundled rules and their matcher, built on first use and kept for the
 * process (a fuzzer runs millions of inputs; compiling per input would
 * measure Hyperscan's compiler, not our code). Aborts if they do not load. */
const ls_matcher *fuzz_matcher(void);

/* Writes data to a fresh temporary file and returns its path (static
 * buffer, reused by the next call). Aborts on I/O failure. */
const char *fuzz_temp_file(const uint8_t *data, size_t size);

#endif
