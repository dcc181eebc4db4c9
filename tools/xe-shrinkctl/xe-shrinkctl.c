// SPDX-License-Identifier: GPL-2.0
/*
 * xe-shrinkctl: control and watch the GPU buffer-object shrinker of DRM
 * devices (xe, vttm) through its debugfs nodes and sysfs attributes, and
 * the memory of DRM clients through fdinfo. See xe-shrinkctl(8).
 *
 * The command line is checked whole before any device is looked at, so
 * that a usage error is exit 2 with nothing written, on any machine.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xs.h"

#define XS_VERSION "1.1"

enum dev_need {
	DEV_NONE,	/* list: every device */
	DEV_PICK,	/* -d, or the first with the shrinker nodes */
	DEV_OPTIONAL,	/* clients: -d narrows it down */
	DEV_THRESHOLD,	/* -d, or the first with the threshold attribute */
};

struct command {
	const char *name;
	int (*run)(struct ctx *c);
	unsigned int opts;	/* the per-command OPT_* it takes */
	enum dev_need dev;
	const char *args;	/* after the name, in the synopsis */
	const char *summary;
	const char *help;	/* what --help adds */
};

static const struct command commands[] = {
	{ "list", cmd_list, 0, DEV_NONE, "",
	  "DRM devices, their driver and bus, and their shrinker nodes",
	  "Works without root: the driver and bus come from sysfs.\n" },
	{ "stats", cmd_stats, OPT_ALL_DEVICES, DEV_PICK, "[-a]",
	  "the shrinker's statistics",
	  "  -a, --all-devices   every device with the nodes\n" },
	{ "shrink", cmd_shrink, OPT_BYTES | OPT_ALL, DEV_PICK, "--bytes SIZE | --all",
	  "reclaim now, with every pass; prints the kernel's result",
	  "  -b, --bytes SIZE    at least SIZE: 4096, 64K, 512MiB, 1.5G, \"64.0 MiB\"\n"
	  "      --all           everything reclaimable (writes 'all')\n" },
	{ "purge", cmd_shrink, 0, DEV_PICK, "",
	  "drop the contents of every purgeable BO now (the purge pass alone)",
	  "Writes 'purge' to the shrink node; prints the kernel's result.\n" },
	{ "bos", cmd_bos, OPT_SORT | OPT_STATE | OPT_MADVISE | OPT_PLACEMENT | OPT_PID | OPT_LIMIT,
	  DEV_PICK, "[--sort id|size|pid|state] [FILTERS] [--limit N]",
	  "the buffer objects",
	  "      --sort KEY      id (default), size (largest first), pid, state\n"
	  "      --state S       resident, backed_up, partial, purged, locked\n"
	  "      --madvise M     willneed, dontneed\n"
	  "      --placement P   vram, tt, system\n"
	  "      --pid PID       the BOs of one process\n"
	  "      --limit N       at most N BOs\n" },
	{ "purgeable", cmd_purgeable, OPT_FORCE, DEV_PICK, "ID dontneed|willneed [--force]",
	  "mark a BO purgeable, or needed again",
	  "  -f, --force         dontneed on a BO of another process than the caller\n"
	  "                      (its owner loses the contents when it is purged)\n" },
	{ "threshold", cmd_threshold, 0, DEV_THRESHOLD, "[SIZE]",
	  "read or set the SVM migration threshold",
	  "SIZE: a power of two from 4K to 2M.\n" },
	{ "watch", cmd_watch, OPT_INTERVAL | OPT_COUNT | OPT_ALL_DEVICES, DEV_PICK,
	  "[-i SECONDS] [-n COUNT] [-a]",
	  "live statistics: gauges as values, counters with rates",
	  "  -i, --interval S    seconds between samples, 0.1 to 3600 (default 1)\n"
	  "  -n, --count N       stop after N samples\n"
	  "  -a, --all-devices   every device with the nodes\n" },
	{ "top", cmd_watch, OPT_INTERVAL | OPT_COUNT | OPT_ALL_DEVICES, DEV_PICK,
	  "[-i SECONDS] [-n COUNT] [-a]",
	  "watch, with the device's DRM clients",
	  "  -i, --interval S    seconds between samples, 0.1 to 3600 (default 1)\n"
	  "  -n, --count N       stop after N samples\n"
	  "  -a, --all-devices   every device with the nodes\n" },
	{ "clients", cmd_clients, 0, DEV_OPTIONAL, "",
	  "memory of each DRM client per region, from /proc/*/fdinfo",
	  "Every card unless -d is given. Needs no root: processes the user may not\n"
	  "look at are skipped.\n" },
	{ "help", NULL, 0, DEV_NONE, "[COMMAND]", "this help, or a command's", "" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct { unsigned int bit; const char *name; } opt_names[] = {
	{ OPT_BYTES, "--bytes" }, { OPT_ALL, "--all" }, { OPT_SORT, "--sort" },
	{ OPT_STATE, "--state" }, { OPT_MADVISE, "--madvise" },
	{ OPT_PLACEMENT, "--placement" }, { OPT_PID, "--pid" }, { OPT_LIMIT, "--limit" },
	{ OPT_INTERVAL, "--interval" }, { OPT_COUNT, "--count" }, { OPT_FORCE, "--force" },
	{ OPT_ALL_DEVICES, "--all-devices" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

static void usage(void)
{
	printf("Usage: %s [OPTIONS] COMMAND [ARGS]\n\nCommands:\n", xs_prog);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].summary);
	printf("\n"
	       "Options:\n"
	       "  -d, --device CARD   card number, cardN or /dev/dri/cardN (default: the\n"
	       "                      first device with shrinker nodes)\n"
	       "  -j, --json          JSON output, errors included (on stdout)\n"
	       "  -p, --pretty        indented JSON (implies --json)\n"
	       "  -r, --root DIR      run against a tree under DIR (also XE_SHRINKCTL_ROOT)\n"
	       "  -h, --help          this help; after a command, the command's\n"
	       "  -V, --version       the version\n"
	       "\n"
	       "A command's options: '%s help COMMAND' or '%s COMMAND --help'.\n"
	       "Exit status: 0 ok, 1 kernel error, 2 usage, 3 no such device or node,\n"
	       "4 permission denied. See xe-shrinkctl(8).\n", xs_prog, xs_prog);
}

static void command_help(const struct command *cmd)
{
	printf("Usage: %s [OPTIONS] %s%s%s\n\n%c%s.\n", xs_prog, cmd->name, *cmd->args ? " " : "",
	       cmd->args, toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
	if (*cmd->help)
		printf("\n%s", cmd->help);
	printf("\nCommon options (-d, -j, -p, -r): see '%s --help'.\n", xs_prog);
}

static int size_arg(const char *s, uint64_t *bytes, const char *what)
{
	int ret = xs_parse_size(s, bytes);

	if (ret == -ERANGE)
		return xs_fail(EXIT_USAGE, ERANGE, "size '%s' is too large", s);
	if (ret)
		return xs_fail(EXIT_USAGE, EINVAL,
			       "bad %s '%s': a positive number with an optional unit (4096, 64K, 512MiB, 1.5G; KB is ambiguous: use K or KiB)",
			       what, s);
	return 0;
}

static bool one_of(const char *s, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, set[i]))
			return true;
	return false;
}

/* The arguments of a command. */
static int check_args(const struct command *cmd, struct opts *o, int argc, char **argv)
{
	static const char *const madvs[] = { "willneed", "dontneed" };
	const char *name = cmd->name;
	int ret;

	if (!strcmp(name, "shrink")) {
		if (!o->bytes == !(o->given & OPT_ALL))
			return xs_fail(EXIT_USAGE, 0, "shrink needs --bytes SIZE or --all (not both)");
		if (o->bytes)
			return size_arg(o->bytes, &o->size, "size");
		o->keyword = "all";
	} else if (!strcmp(name, "purge")) {
		o->keyword = "purge";
	} else if (!strcmp(name, "purgeable")) {
		if (argc != 2)
			return xs_fail(EXIT_USAGE, 0, "usage: purgeable ID dontneed|willneed [--force]");
		if (xs_parse_uint(argv[0], UINT32_MAX, &o->id))
			return xs_fail(EXIT_USAGE, 0, "bad BO id '%s': a number from '%s bos'", argv[0],
				       xs_prog);
		if (!one_of(argv[1], madvs, 2))
			return xs_fail(EXIT_USAGE, 0, "bad advice '%s': dontneed or willneed", argv[1]);
		o->advice = argv[1];
		return 0;
	} else if (!strcmp(name, "threshold")) {
		if (argc > 1)
			return xs_fail(EXIT_USAGE, 0, "usage: threshold [SIZE]");
		if (argc == 1) {
			ret = size_arg(argv[0], &o->size, "threshold");
			if (ret)
				return ret;
			if (o->size < 4096 || o->size > 2 << 20 || (o->size & (o->size - 1)))
				return xs_fail(EXIT_USAGE, EINVAL,
					       "bad threshold '%s': a power of two from 4K to 2M", argv[0]);
			o->have_size = true;
		}
		return 0;
	} else if (!strcmp(name, "help")) {
		if (argc > 1 || (argc == 1 && !find_command(argv[0])))
			return xs_fail(EXIT_USAGE, 0, "usage: help [COMMAND]; see '%s --help'", xs_prog);
		return 0;
	}
	if (argc)
		return xs_fail(EXIT_USAGE, 0, "'%s' takes no argument '%s'", name, argv[0]);
	return 0;
}

/* The values of the per-command options. */
static int check_values(struct opts *o)
{
	static const char *const sorts[] = { "id", "size", "pid", "state" };
	static const char *const states[] = {
		"resident", "backed_up", "partial", "purged", "locked",
	};
	static const char *const madvs[] = { "willneed", "dontneed" };
	static const char *const placements[] = { "vram", "tt", "system" };
	char *end;

	o->limit_val = UINT64_MAX;
	o->interval_val = 1;
	if (o->sort && !one_of(o->sort, sorts, 4))
		return xs_fail(EXIT_USAGE, 0, "bad --sort '%s': id, size, pid or state", o->sort);
	if (o->state && !one_of(o->state, states, 5))
		return xs_fail(EXIT_USAGE, 0,
			       "bad --state '%s': resident, backed_up, partial, purged or locked",
			       o->state);
	if (o->madvise && !one_of(o->madvise, madvs, 2))
		return xs_fail(EXIT_USAGE, 0, "bad --madvise '%s': willneed or dontneed", o->madvise);
	if (o->placement && !one_of(o->placement, placements, 3))
		return xs_fail(EXIT_USAGE, 0, "bad --placement '%s': vram, tt or system",
			       o->placement);
	if (o->pid && xs_parse_uint(o->pid, INT32_MAX, &o->pid_val))
		return xs_fail(EXIT_USAGE, 0, "bad --pid '%s'", o->pid);
	if (o->limit && xs_parse_uint(o->limit, UINT32_MAX, &o->limit_val))
		return xs_fail(EXIT_USAGE, 0, "bad --limit '%s'", o->limit);
	if (o->interval) {
		errno = 0;
		o->interval_val = strtod(o->interval, &end);
		if (errno || end == o->interval || *end ||
		    !(o->interval_val >= 0.1 && o->interval_val <= 3600))
			return xs_fail(EXIT_USAGE, 0, "bad interval '%s': seconds from 0.1 to 3600",
				       o->interval);
	}
	if (o->count && (xs_parse_uint(o->count, UINT32_MAX, &o->count_val) || !o->count_val))
		return xs_fail(EXIT_USAGE, 0, "bad count '%s': a positive number of samples",
			       o->count);
	return 0;
}

/* Which command takes which of the per-command options. */
static int check_opts(const struct command *cmd, const struct opts *o)
{
	unsigned int extra = o->given & ~cmd->opts;
	char which[128] = "";

	if (o->device && (o->given & OPT_ALL_DEVICES & cmd->opts))
		return xs_fail(EXIT_USAGE, 0, "-d and -a: one device or all of them");
	for (size_t i = 0; extra && i < sizeof(opt_names) / sizeof(opt_names[0]); i++) {
		if (!(extra & opt_names[i].bit))
			continue;
		for (size_t k = 0; k < NR_COMMANDS; k++) {
			if (!(commands[k].opts & opt_names[i].bit))
				continue;
			if (*which)
				strcat(which, ", ");
			strcat(which, commands[k].name);
		}
		return xs_fail(EXIT_USAGE, 0, "%s is an option of %s, not of %s", opt_names[i].name,
			       which, cmd->name);
	}
	return 0;
}

/* Pick the device a command is for. */
static int pick(struct ctx *c, enum dev_need need)
{
	int i;

	if (need == DEV_NONE || (need == DEV_OPTIONAL && !c->o->device) ||
	    (c->o->given & OPT_ALL_DEVICES))
		return 0;
	/* the threshold is in sysfs: default to the first card that has it */
	if (need == DEV_THRESHOLD && !c->o->device) {
		for (i = 0; i < c->nr; i++)
			if (!access(c->devs[i].threshold, F_OK)) {
				c->dev = &c->devs[i];
				return 0;
			}
	}
	i = xs_pick(c->devs, c->nr, c->o->device);
	if (i >= 0) {
		c->dev = &c->devs[i];
		return 0;
	}
	if (i == -ENODEV)
		return xs_fail(EXIT_NODEV, ENODEV, "no DRM device '%s' (see '%s list')", c->o->device,
			       xs_prog);
	if (i == -EACCES)
		return xs_fail(EXIT_PERM, EACCES, "cannot look into debugfs: run as root");
	return xs_fail(EXIT_NODEV, ENOENT, "no DRM device has the shrinker nodes%s (see '%s list')",
		       c->nr ? "" : " (no DRM device at all)", xs_prog);
}

/* getopt's complaint, kept until --json is known to be there or not. */
static char opt_error[256];

static void bad_option(int opt, const char *arg)
{
	if (*opt_error)
		return;
	if (opt)
		snprintf(opt_error, sizeof(opt_error),
			 "option -%c needs an argument or is unknown; see --help", opt);
	else
		snprintf(opt_error, sizeof(opt_error), "unknown option '%s'; see --help", arg);
}

static void parse_options(int argc, char **argv, struct opts *o, bool *version)
{
	static const struct option longopts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "all-devices", no_argument, NULL, 'a' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "all", no_argument, NULL, 'A' },
		{ "force", no_argument, NULL, 'f' },
		{ "sort", required_argument, NULL, 's' },
		{ "state", required_argument, NULL, 'S' },
		{ "madvise", required_argument, NULL, 'm' },
		{ "placement", required_argument, NULL, 'P' },
		{ "pid", required_argument, NULL, 'I' },
		{ "limit", required_argument, NULL, 'l' },
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "d:jpr:hVab:fi:n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd': o->device = optarg; break;
		case 'j': o->json = true; break;
		case 'p': o->pretty = true; break;
		case 'r': o->root = optarg; break;
		case 'h': o->help = true; break;
		case 'V': *version = true; break;
		case 'a': o->given |= OPT_ALL_DEVICES; break;
		case 'b': o->bytes = optarg; o->given |= OPT_BYTES; break;
		case 'A': o->given |= OPT_ALL; break;
		case 'f': o->given |= OPT_FORCE; break;
		case 's': o->sort = optarg; o->given |= OPT_SORT; break;
		case 'S': o->state = optarg; o->given |= OPT_STATE; break;
		case 'm': o->madvise = optarg; o->given |= OPT_MADVISE; break;
		case 'P': o->placement = optarg; o->given |= OPT_PLACEMENT; break;
		case 'I': o->pid = optarg; o->given |= OPT_PID; break;
		case 'l': o->limit = optarg; o->given |= OPT_LIMIT; break;
		case 'i': o->interval = optarg; o->given |= OPT_INTERVAL; break;
		case 'n': o->count = optarg; o->given |= OPT_COUNT; break;
		default: bad_option(optopt, argv[optind - 1]); break;
		}
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .root = getenv("XE_SHRINKCTL_ROOT") };
	struct ctx c = { .o = &o };
	const struct command *cmd;
	bool version = false;
	int ret;

	parse_options(argc, argv, &o, &version);
	xs_out_init(o.json, o.pretty);
	if (*opt_error)
		return xs_fail(EXIT_USAGE, 0, "%s", opt_error);
	if (version) {
		if (xs_json()) {
			struct json_object *doc = xs_doc(NULL);

			xs_jstr(doc, "version", XS_VERSION);
			xs_emit(doc);
		} else {
			printf("%s %s\n", xs_prog, XS_VERSION);
		}
		return 0;
	}
	if (optind >= argc) {
		if (o.help) {
			usage();
			return 0;
		}
		return xs_fail(EXIT_USAGE, 0, "no command; see --help");
	}
	cmd = find_command(argv[optind]);
	if (!cmd)
		return xs_fail(EXIT_USAGE, 0, "unknown command '%s'; see --help", argv[optind]);
	optind++;
	if (!o.root)
		o.root = "";
	if (o.help) {
		command_help(cmd);
		return 0;
	}
	ret = check_opts(cmd, &o);
	if (!ret)
		ret = check_values(&o);
	if (!ret)
		ret = check_args(cmd, &o, argc - optind, argv + optind);
	if (ret)
		return ret;
	if (!cmd->run) {
		if (optind < argc)
			command_help(find_command(argv[optind]));
		else
			usage();
		return 0;
	}

	c.nr = xs_devices(o.root, &c.devs);
	if (c.nr < 0)
		return xs_fail_access(o.root, -c.nr, *o.root ? o.root : "/dev/dri", false);
	if (cmd->run == cmd_watch)
		o.top = !strcmp(cmd->name, "top");
	ret = pick(&c, cmd->dev);
	if (!ret) {
		xs_out_device(c.dev);
		ret = cmd->run(&c);
	}
	free(c.devs);
	return ret;
}
