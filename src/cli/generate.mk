## trialpack generate (src/cli/cmd_generate.c): the synthetic raw EDC export. Included from
## Makefile.am; main.c's command table needs {"generate", cmd_generate, ...}.
trialpack_SOURCES += src/cli/cmd_generate.c
