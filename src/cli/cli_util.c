/*
 * Error printing and exit-code mapping shared by every subcommand.
 */
#include "cli.h"

#include <stdarg.h>
#include <unistd.h>

int cli_exit_for(int status)
{
    switch (status) {
    case TP_OK:
        return CLI_OK;
    case TP_E_USAGE:
        return CLI_USAGE;
    default:
        return CLI_INPUT;
    }
}

int cli_report_error(const struct tp_error *err)
{
    char line[1024];
    fprintf(stderr, "trialpack: %s\n", tp_error_format(err, line, sizeof line));
    return cli_exit_for(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "trialpack %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'trialpack %s --help'.\n", cmd);
    return CLI_USAGE;
}

bool cli_progress_enabled(void)
{
    return isatty(STDERR_FILENO) == 1;
}
