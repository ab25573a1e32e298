/* The floor for `make bench`: a bare libyaml parse of a file (every event,
 * nothing built), so infrac check's time can be read as a ratio to it. */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: yaml_parse_only FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    unsigned long events = 0;
    int rc = 0;
    for (;;) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            fprintf(stderr, "%s: %s\n", argv[1], p.problem ? p.problem : "parse error");
            rc = 1;
            break;
        }
        int done = e.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&e);
        events++;
        if (done) break;
    }
    yaml_parser_delete(&p);
    fclose(f);
    printf("%lu events\n", events);
    return rc;
}
