/* SPDX-License-Identifier: GPL-2.0-or-later */
/* natgw-yamlscan FILE: how long libyaml alone takes to read FILE, every
 * event parsed and dropped, nothing built. Bench B1 prints it next to
 * natgw's install time: no tool that reads the same YAML with libyaml can
 * be faster than this. Prints the seconds and the number of events. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <yaml.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: natgw-yamlscan FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	yaml_parser_t p;
	yaml_event_t ev;
	unsigned long events = 0;
	int done = 0, ok = 1;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_file(&p, f);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			ok = 0;
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		events++;
	}
	yaml_parser_delete(&p);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fclose(f);
	if (!ok) {
		fprintf(stderr, "natgw-yamlscan: %s: not YAML\n", argv[1]);
		return 1;
	}
	printf("%.6f %lu\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9,
	       events);
	return 0;
}
