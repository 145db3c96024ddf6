/*
 * The trialpack command line: shared helpers for the cmd_<name>.c subcommands. The CLI uses only
 * the public libtrialpack API.
 */
#ifndef TP_CLI_H
#define TP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "trialpack/trialpack.h"

/* Exit codes (documented in --help and trialpack(1)). */
enum cli_exit {
    CLI_OK = 0,        /* success, no findings at error level */
    CLI_FINDINGS = 1,  /* validation ran and found errors */
    CLI_USAGE = 2,     /* bad command line */
    CLI_INPUT = 3      /* bad input, spec, or an I/O failure */
};

/* Print err as one line on stderr ("path:line:col: error: msg") and return its exit code. */
int cli_report_error(const struct tp_error *err);
/* Map a library status to an exit code. */
int cli_exit_for(int status);
/* Print "trialpack CMD: msg" plus a hint to --help; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) TP_PRINTF(2, 3);
/* Whether progress may be shown (stderr is a terminal). */
bool cli_progress_enabled(void);

/* Subcommands: argv[0] is the command name. */
int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_define(int argc, char **argv);
int cmd_sdtm(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_odm(int argc, char **argv);

#endif
