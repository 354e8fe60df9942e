/* main.c - orrery: the operations console and its headless commands. */
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
	return cli_run(argc, argv, stdout, stderr);
}
