## trialpack odm (export / import): included from Makefile.am after src/cli/local.mk
trialpack_SOURCES += src/cli/cmd_odm.c
