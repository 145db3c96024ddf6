## trialpack sdtm / trialpack build (main.c: cmd_sdtm, cmd_build)
trialpack_SOURCES += src/cli/cmd_sdtm.c src/cli/cmd_build.c
