## the trialpack command
trialpack_SOURCES += src/cli/main.c src/cli/cli.h src/cli/cli_util.c src/cli/cli_json.c \
	src/cli/cli_json.h src/cli/cmd_info.c src/cli/cmd_convert.c src/cli/cmd_validate.c src/cli/cmd_render.c
