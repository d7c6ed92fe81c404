/*
 * kafka-mock: run librdkafka's built-in mock Kafka cluster (rdkafka_mock.h)
 * as a standalone process, for Tandem's Kafka integration tests.
 *
 * Adapted from the shared launcher (kafka-test-broker.md).  Used by
 * tests/support/kafka-broker.ts; built by tests/kafka/build.sh.
 *
 * Usage: kafka-mock [-b BROKERS] [-p DEFAULT_PARTITIONS] [-t TOPIC:PARTS]...
 *
 *   -b N          number of brokers (ids 1..N), default 1
 *   -p N          partition count for auto-created topics (library default 4)
 *   -t NAME:PARTS create a topic up front (repeatable)
 *
 * stdout: the first line is the bootstrap list, e.g.
 *           127.0.0.1:38341,127.0.0.1:41455
 *         then exactly one reply line per control command: "ok", or
 *         "error NAME [detail]" (NAME is an rd_kafka_err2name() name or one
 *         of BAD_ARGS, UNKNOWN_COMMAND, LINE_TOO_LONG).
 * stdin (control channel, one command per line; only read when stdin is a
 *        pipe or socket, i.e. when spawned by a test harness):
 *   create TOPIC PARTITIONS [REPLICATION]   pre-create a topic
 *   down BROKER_ID | up BROKER_ID           take a broker down / up
 *   rtt BROKER_ID MS                        add round-trip latency
 *   leader TOPIC PARTITION BROKER_ID        move a partition leader
 *   error APIKEY ERRCODE [COUNT]            fail the next COUNT requests
 *   topicerror TOPIC ERRCODE                topic-level error (0 clears)
 *   apiversion APIKEY MIN MAX               change advertised API versions
 *   ping                                    replies "ok"
 * Empty lines are ignored and get no reply.
 * Exits on SIGTERM/SIGINT, on stdin EOF (when watched), or when its parent
 * dies.  librdkafka logs go to stderr.
 *
 * Build (Debian bookworm: apt-get install -y gcc libc6-dev pkg-config
 * librdkafka-dev):
 *   cc -O2 -Wall -o kafka-mock kafka-mock.c $(pkg-config --cflags --libs rdkafka)
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stop = 0;
static void on_signal(int sig) { (void)sig; stop = 1; }

/* The first members of librdkafka's private struct rd_kafka_mock_cluster_s
 * (same in librdkafka 2.0.2 and current master).  It never sets controller_id,
 * so the mock advertises controller 0, which does not exist (broker ids
 * start at 1).  kafkajs sends InitProducerId (idempotent producer) and admin
 * requests to the controller and fails with "Broker 0 not found in the
 * cached metadata".  We set it to 1 after checking the layout via ->rk. */
struct mock_cluster_head {
        char id[32];
        rd_kafka_t *rk;
        int32_t controller_id;
};

static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
        fflush(stdout);
}

static void reply_err(rd_kafka_resp_err_t err) {
        if (err) reply("error %s", rd_kafka_err2name(err));
        else reply("ok");
}

/* Strict decimal integer parsing: the whole token must be a number within
 * [min, max].  atoi() would turn typos into 0 (e.g. broker id 0). */
static int parse_int(const char *s, long min, long max, int *out) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max) return 0;
        *out = (int)v;
        return 1;
}

#define INT_ARG(idx, min, max, var)                                            \
        if (!parse_int(argv[idx], (min), (max), &(var))) {                     \
                reply("error BAD_ARGS %s: bad number '%s'", argv[0],           \
                      argv[idx]);                                              \
                return;                                                        \
        }

static void command(rd_kafka_mock_cluster_t *mc, int brokers, char *line) {
        char *argv[6];
        int argc = 0;
        int a = 0, b = 0, c = 0;
        for (char *tok = strtok(line, " \t\r"); tok && argc < 6;
             tok = strtok(NULL, " \t\r"))
                argv[argc++] = tok;
        if (argc == 0) return; /* empty line: no reply */
        const char *cmd = argv[0];

        if (!strcmp(cmd, "ping")) {
                reply("ok");
        } else if (!strcmp(cmd, "create") && argc >= 3) {
                INT_ARG(2, 1, 100000, a);
                b = brokers < 3 ? brokers : 3;
                if (argc > 3) INT_ARG(3, 1, brokers, b);
                reply_err(rd_kafka_mock_topic_create(mc, argv[1], a, b));
        } else if (!strcmp(cmd, "down") && argc >= 2) {
                INT_ARG(1, 1, brokers, a);
                reply_err(rd_kafka_mock_broker_set_down(mc, a));
        } else if (!strcmp(cmd, "up") && argc >= 2) {
                INT_ARG(1, 1, brokers, a);
                reply_err(rd_kafka_mock_broker_set_up(mc, a));
        } else if (!strcmp(cmd, "rtt") && argc >= 3) {
                INT_ARG(1, 1, brokers, a);
                INT_ARG(2, 0, INT_MAX, b);
                reply_err(rd_kafka_mock_broker_set_rtt(mc, a, b));
        } else if (!strcmp(cmd, "leader") && argc >= 4) {
                INT_ARG(2, 0, INT_MAX, a);
                INT_ARG(3, -1, brokers, b);
                reply_err(rd_kafka_mock_partition_set_leader(mc, argv[1], a, b));
        } else if (!strcmp(cmd, "error") && argc >= 3) {
                INT_ARG(1, 0, INT16_MAX, a);
                INT_ARG(2, INT_MIN, INT_MAX, b);
                c = 1;
                if (argc > 3) INT_ARG(3, 1, 100000, c);
                for (int i = 0; i < c; i++)
                        rd_kafka_mock_push_request_errors(
                            mc, (int16_t)a, 1, (rd_kafka_resp_err_t)b);
                reply("ok");
        } else if (!strcmp(cmd, "apiversion") && argc >= 4) {
                INT_ARG(1, 0, INT16_MAX, a);
                INT_ARG(2, -1, INT16_MAX, b);
                INT_ARG(3, -1, INT16_MAX, c);
                reply_err(rd_kafka_mock_set_apiversion(
                    mc, (int16_t)a, (int16_t)b, (int16_t)c));
        } else if (!strcmp(cmd, "topicerror") && argc >= 3) {
                INT_ARG(2, INT_MIN, INT_MAX, a);
                rd_kafka_mock_topic_set_error(mc, argv[1],
                                              (rd_kafka_resp_err_t)a);
                reply("ok");
        } else if (!strcmp(cmd, "ping") || !strcmp(cmd, "create") ||
                   !strcmp(cmd, "down") || !strcmp(cmd, "up") ||
                   !strcmp(cmd, "rtt") || !strcmp(cmd, "leader") ||
                   !strcmp(cmd, "error") || !strcmp(cmd, "apiversion") ||
                   !strcmp(cmd, "topicerror")) {
                reply("error BAD_ARGS %s: too few arguments", cmd);
        } else {
                reply("error UNKNOWN_COMMAND %s", cmd);
        }
}

int main(int argc, char **argv) {
        int brokers = 1, def_parts = 0, opt;
        char errstr[512];

        pid_t parent = getppid();
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* die with the test runner */

        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal; /* no SA_RESTART: poll() gets EINTR */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        while ((opt = getopt(argc, argv, "b:p:t:")) != -1) {
                if (opt == 'b') brokers = atoi(optarg);
                else if (opt == 'p') def_parts = atoi(optarg);
                else if (opt != 't') {
                        fprintf(stderr,
                                "usage: %s [-b brokers] [-p default_partitions]"
                                " [-t topic:partitions]...\n",
                                argv[0]);
                        return 2;
                }
        }
        if (brokers < 1) brokers = 1;

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
        rd_kafka_t *rk =
            rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: rd_kafka_new: %s\n", errstr);
                return 1;
        }

        rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
        if (!mc) {
                fprintf(stderr, "kafka-mock: rd_kafka_mock_cluster_new failed\n");
                return 1;
        }

        /* Fix the advertised controller id (see struct comment). */
        struct mock_cluster_head *head = (struct mock_cluster_head *)mc;
        if (head->rk == rk && !strncmp(head->id, "mockCluster", 11) &&
            head->controller_id == 0)
                head->controller_id = 1;
        else
                fprintf(stderr, "kafka-mock: warning: unexpected mock cluster "
                                "layout, controller id left unchanged\n");

        /* Optionally change the auto-create partition count.  It lives in
         * mcluster->defaults, 64 bytes after ->bootstraps in librdkafka
         * 2.0.x; locate ->bootstraps by its pointer value and verify the
         * expected defaults (4, min(3, brokers)) before writing. */
        if (def_parts > 0) {
                const char *bs = rd_kafka_mock_cluster_bootstraps(mc);
                char *base = (char *)mc;
                int done = 0;
                for (size_t off = 48; off < 400 && !done; off += 8) {
                        if (*(const char **)(base + off) != bs) continue;
                        int *defaults = (int *)(base + off + 64);
                        if (defaults[0] == 4 &&
                            defaults[1] == (brokers < 3 ? brokers : 3)) {
                                defaults[0] = def_parts;
                                done = 1;
                        }
                        break;
                }
                if (!done)
                        fprintf(stderr, "kafka-mock: warning: -p unsupported "
                                        "by this librdkafka, ignored\n");
        }

        /* Topics from the command line.  The control op round-trips through
         * the mock thread's queue, which also publishes the writes above. */
        optind = 1;
        while ((opt = getopt(argc, argv, "b:p:t:")) != -1) {
                if (opt != 't') continue;
                char *colon = strrchr(optarg, ':');
                int parts = colon ? atoi(colon + 1) : 1;
                if (colon) *colon = '\0';
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
                    mc, optarg, parts, brokers < 3 ? brokers : 3);
                if (err) {
                        fprintf(stderr, "kafka-mock: topic %s: %s\n", optarg,
                                rd_kafka_err2str(err));
                        return 1;
                }
        }
        /* Synchronization point with the mock thread. */
        rd_kafka_mock_broker_set_rtt(mc, 1, 0);

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
        fflush(stdout);

        struct stat st;
        int watch_stdin = fstat(0, &st) == 0 &&
                          (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
        char buf[4096];
        size_t len = 0;
        int discarding = 0; /* inside an overlong line */

        while (!stop) {
                struct pollfd pfd = {.fd = 0, .events = POLLIN};
                int r = poll(&pfd, watch_stdin ? 1 : 0, 1000);
                if (r > 0) {
                        ssize_t n = read(0, buf + len, sizeof(buf) - 1 - len);
                        if (n == 0 || (n < 0 && errno != EINTR)) break; /* EOF */
                        if (n > 0) len += (size_t)n;
                        char *nl;
                        while ((nl = memchr(buf, '\n', len))) {
                                *nl = '\0';
                                if (discarding) {
                                        /* Exactly one reply per line, also
                                         * for the overlong one. */
                                        reply("error LINE_TOO_LONG");
                                        discarding = 0;
                                } else
                                        command(mc, brokers, buf);
                                len -= (size_t)(nl + 1 - buf);
                                memmove(buf, nl + 1, len);
                        }
                        if (len == sizeof(buf) - 1) {
                                discarding = 1;
                                len = 0;
                        }
                }
                if (getppid() != parent) break; /* orphaned */
        }

        /* A graceful rd_kafka_mock_cluster_destroy() can take ~1 s while
         * clients are still connected; a test helper can just exit. */
        fflush(stdout);
        _exit(0);
}
