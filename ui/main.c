/* main.c - orrery: the operations console and its headless commands. */
#include <stdio.h>

#include "cli.h"
#include "console.h"

int main(int argc, char **argv)
{
	cli_set_console(console_main);
	return cli_run(argc, argv, stdout, stderr);
}
