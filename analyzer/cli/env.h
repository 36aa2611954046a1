/*
 * env.h - the environment variables layerscan honours, read in one place.
 *
 * As zstd's programs/ and curl's src/ do, only the program reads the
 * environment; the library under analyzer/ takes every such switch as an
 * option (ls_scan_opts, ls_registry_opts, ls_source_opts) or a parameter,
 * so a caller can see and set all of them.
 */
#ifndef LS_CLI_ENV_H
#define LS_CLI_ENV_H

#include "cli/cli.h"

/* Fills o from the environment: LAYERSCAN_DEBUG (o->debug and
 * o->registry.debug), LAYERSCAN_MMAP=0, LAYERSCAN_DECODE_THREAD=0, and the
 * auth-file chain's REGISTRY_AUTH_FILE, XDG_RUNTIME_DIR and HOME
 * (o->registry.auth_env). The strings stay the environment's. */
void cli_env_read(cli_opts *o);

#endif
