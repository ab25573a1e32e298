/* Subcommands of `infrac`. main.c dispatches on argv[1]; each command gets
 * argc/argv starting at its own name and returns the process exit code:
 * 0 success, 1 errors found (check/build), 2 usage or I/O problem. */
#ifndef INFRAC_COMMANDS_H
#define INFRAC_COMMANDS_H

int cmd_check(int argc, char **argv);    /* compiler/cli/cmd_check.c */
int cmd_plan(int argc, char **argv);     /* compiler/cli/cmd_plan.c */
int cmd_explain(int argc, char **argv);  /* compiler/cli/cmd_explain.c */
int cmd_schema(int argc, char **argv);   /* compiler/cli/cmd_schema.c */
int cmd_estimate(int argc, char **argv); /* compiler/cli/cmd_estimate.c */
int cmd_build(int argc, char **argv);
int cmd_run(int argc, char **argv);      /* compiler/cli/cmd_run.c */
int cmd_status(int argc, char **argv);   /* compiler/cli/cmd_status.c */

#endif
