/* JSON text helpers for machine-readable CLI output. */
#ifndef TP_CLI_JSON_H
#define TP_CLI_JSON_H
#include <stdio.h>
void cli_json_string(FILE *f, const char *s);
#endif
