## trialpack define: write define.xml (+ define.html) from a study's spec and its data; --check
trialpack_SOURCES += src/cli/cmd_define.c
