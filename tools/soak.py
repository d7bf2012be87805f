#!/usr/bin/env python3
"""Soak test of uprocd: mixed load for N minutes while, once a second,
every namespace file is compared with the truth computed from /proc. A
difference is read again after the latency window; one still there (same
process, same identity) "outlived the window" and is counted (goal: 0).

Run through tools/soak, which builds the binaries; see its header."""

import argparse, os, random, re, select, signal, subprocess, sys, threading, time

ap = argparse.ArgumentParser()
ap.add_argument("--minutes", type=float, default=30)
ap.add_argument("--uprocd", required=True)
ap.add_argument("--testproc", required=True)
ap.add_argument("--forkstorm", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--window", type=float, default=1.0, help="latency window, seconds")
ap.add_argument("--audit-interval", type=int, default=30)
ap.add_argument("--storm-count", type=int, default=20000)
args = ap.parse_args()

WORK = args.work
OUT = WORK + "/out"
CONF = WORK + "/uproc.conf"
USERS = [4260, 4261]
SETUID_TARGET = 4262
BASE_RULES = [
    ("uid", 4260, None, "u4260"),
    ("uid", 4261, None, "u4261"),
    ("uid", SETUID_TARGET, None, "u4262"),
    ("ruid", 4260, None, "r4260"),
    ("uid", 4261, "sleep", "u4261.sleep"),
    ("uid", 0, "uproc-testproc", "fixtures.root"),
    (None, None, "uproctestsoak", "renamed"),
    (None, None, "uproctestwrk", "wrk"),
    (None, None, "forkstorm", "storm"),
]
EXTRA_RULE = (None, None, "sleep", "sleepers")   # added and removed by reloads

def render(rules):
    lines = []
    for key, value, comm, name in rules:
        words = []
        if key: words += [key, str(value)]
        if comm: words += ["cmd", comm]
        lines.append(" ".join(words + [name]))
    return "\n".join(lines) + "\n"

# ---------------------------------------------------------------- /proc truth

def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None

def identity(pid):
    """(ruid, euid, rgid, egid, comm) as uprocd sees it, or None when the process is gone."""
    status = read(f"/proc/{pid}/status")
    stat = read(f"/proc/{pid}/stat")
    if status is None or stat is None:
        return None
    text = status.decode("latin-1")
    fields = dict(line.split(":", 1) for line in text.split("\n") if ":" in line)
    state = fields.get("State", "").strip()[:1]
    threads = int(fields.get("Threads", "0").strip() or 0)
    if state == "X" or (state == "Z" and threads <= 1):
        return None
    uids = fields["Uid"].split()
    gids = fields["Gid"].split()
    comm = stat[stat.index(b"(") + 1:stat.rindex(b")")]
    return (int(uids[0]), int(uids[1]), int(gids[0]), int(gids[1]), comm)

def matches(rule, ident):
    key, value, comm, _ = rule
    ruid, euid, rgid, egid, c = ident
    if key == "uid" and euid != value: return False
    if key == "ruid" and ruid != value: return False
    if key == "gid" and egid != value: return False
    if comm is not None and c != comm.encode(): return False
    return True

def truth(rules):
    result = {rule[3]: set() for rule in rules}
    idents = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        ident = identity(int(name))
        if ident is None:
            continue
        idents[int(name)] = ident
        for rule in rules:
            if matches(rule, ident):
                result[rule[3]].add(int(name))
    return result, idents

def files(rules):
    result = {}
    for rule in rules:
        data = read(f"{OUT}/{rule[3]}")
        result[rule[3]] = None if data is None else {int(x) for x in data.split()}
    return result

# ------------------------------------------------------------------- load

stop = threading.Event()
lock = threading.Lock()          # guards `rules` during a reload
rules = list(BASE_RULES)
counts = {"storms": 0, "forks": 0, "sleepers": 0, "setuid": 0, "fixture_steps": 0, "reloads": 0,
          "clone_parent": 0, "worker_forks": 0, "leaderless": 0}
children = []                    # Popen objects to kill at the end
grandchildren = set()            # CLONE_PARENT children: ours to reap

def spawn(argv, **kw):
    p = subprocess.Popen(argv, stdin=kw.pop("stdin", subprocess.DEVNULL), stdout=kw.pop("stdout", subprocess.DEVNULL),
                         stderr=subprocess.DEVNULL, **kw)
    children.append(p)
    return p

def setpriv(uid):
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]

def storms():
    while not stop.wait(random.uniform(8, 20)):
        p = spawn([args.forkstorm, str(args.storm_count)], stdout=subprocess.PIPE)
        out, _ = p.communicate()
        counts["storms"] += 1
        m = re.search(rb"forks=(\d+)", out or b"")
        counts["forks"] += int(m.group(1)) if m else 0

def sleepers():
    alive = []
    suid = WORK + "/suid-sleep"
    while not stop.wait(random.uniform(0.02, 0.2)):
        if len(alive) < 60 and random.random() < 0.6:
            if random.random() < 0.2:
                p = spawn(setpriv(4260) + [suid, "600"])
                counts["setuid"] += 1
            else:
                p = spawn(setpriv(random.choice(USERS)) + ["/bin/sleep", "600"])
            counts["sleepers"] += 1
            alive.append(p)
        elif alive:
            p = alive.pop(random.randrange(len(alive)))
            p.kill(); p.wait()
    for p in alive:
        p.kill(); p.wait()

class Fixture:
    def __init__(self, uid):
        argv = ([] if uid == 0 else setpriv(uid)) + [args.testproc]
        self.p = spawn(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.uid = uid
        self.forked = []
    def send(self, line):
        self.p.stdin.write((line + "\n").encode()); self.p.stdin.flush()
        # A fixture that does not answer within 5 s is broken: drop it.
        poller = select.poll()
        poller.register(self.p.stdout, select.POLLIN)
        if not poller.poll(5000):
            raise OSError(f"fixture {self.p.pid}: no answer to {line!r}")
        return self.p.stdout.readline().decode().strip()
    def close(self):
        for pid in self.forked:
            try: os.kill(pid, signal.SIGKILL)
            except OSError: pass
        self.p.kill(); self.p.wait()
        # Our ends of its pipes: thousands of fixtures must not leak them.
        self.p.stdin.close(); self.p.stdout.close()
        children.remove(self.p)

def fixtures():
    while not stop.is_set():
        uid = random.choice([0, 4260, 4261])
        f = Fixture(uid)
        try:
            for _ in range(random.randint(5, 30)):
                if stop.wait(random.uniform(0.05, 0.5)):
                    break
                step = random.choice(["rename", "rename-back", "threads", "join", "worker-rename", "worker-fork",
                                      "clone-parent", "worker-setresuid", "kill-forked"])
                counts["fixture_steps"] += 1
                if step == "rename": f.send("rename-main uproctestsoak")
                elif step == "rename-back": f.send("rename-main uproc-testproc")
                elif step == "threads": f.send("threads 3")
                elif step == "join": f.send("join-threads")
                elif step == "worker-rename": f.send("worker-rename " + random.choice(["uproctestwrk", "uproc-testproc"]))
                elif step == "worker-setresuid" and uid == 0: f.send(f"worker-setresuid {SETUID_TARGET}")
                elif step == "worker-fork":
                    answer = f.send("worker-fork")
                    if answer.isdigit(): f.forked.append(int(answer)); counts["worker_forks"] += 1
                elif step == "clone-parent":
                    answer = f.send("clone-parent")
                    if answer.isdigit(): grandchildren.add(int(answer)); counts["clone_parent"] += 1
                elif step == "kill-forked" and f.forked:
                    pid = f.forked.pop(random.randrange(len(f.forked)))
                    try: os.kill(pid, signal.SIGKILL)
                    except OSError: pass
            if random.random() < 0.3:
                # The leader ends while other threads run; the process lives on for a while.
                f.send("threads 2")
                if f.send("exit-main") == "ok":
                    counts["leaderless"] += 1
                    stop.wait(random.uniform(0.5, 3))
        except (BrokenPipeError, OSError):
            pass
        f.close()

def reap():
    while not stop.wait(0.2):
        for pid in list(grandchildren):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
                if done: grandchildren.discard(pid)
            except ChildProcessError:
                grandchildren.discard(pid)

def reloads(daemon):
    global rules
    with_extra = False
    while not stop.wait(60):
        with_extra = not with_extra
        new = BASE_RULES + ([EXTRA_RULE] if with_extra else [])
        with lock:
            with open(CONF + ".tmp", "w") as f: f.write(render(new))
            os.rename(CONF + ".tmp", CONF)
            daemon.send_signal(signal.SIGHUP)
            # The checker waits until the daemon has the new rules (file set).
            deadline = time.time() + 5
            want = EXTRA_RULE[3]
            while time.time() < deadline and (os.path.exists(f"{OUT}/{want}") != with_extra):
                time.sleep(0.01)
            rules = new
            counts["reloads"] += 1

# ---------------------------------------------------------------- checker

def diff(rules):
    """{(namespace, pid, 'missing'|'extra')} and the identities seen."""
    expected, idents = truth(rules)
    actual = files(rules)
    result = set()
    for name, pids in expected.items():
        have = actual.get(name)
        if have is None:
            result.add((name, 0, "no-file"))
            continue
        for pid in pids - have: result.add((name, pid, "missing"))
        for pid in have - pids: result.add((name, pid, "extra"))
    return result, idents

def main():
    os.makedirs(OUT, exist_ok=True)
    with open(CONF, "w") as f: f.write(render(rules))
    # A set-uid copy of sleep owned by the target user: exec changes euid, no UID event.
    subprocess.run(["cp", "/bin/sleep", WORK + "/suid-sleep"], check=True)
    os.chown(WORK + "/suid-sleep", SETUID_TARGET, SETUID_TARGET)
    os.chmod(WORK + "/suid-sleep", 0o4755)
    log = open(WORK + "/uprocd.log", "w")
    daemon = subprocess.Popen([args.uprocd, "-c", CONF, "--audit-interval", str(args.audit_interval), OUT],
                              stdout=log, stderr=log)
    deadline = time.time() + 20
    while time.time() < deadline and "started" not in open(WORK + "/uprocd.log").read():
        time.sleep(0.05)
    if "started" not in open(WORK + "/uprocd.log").read():
        print("uprocd did not start:", open(WORK + "/uprocd.log").read(), file=sys.stderr)
        sys.exit(1)

    threads = [threading.Thread(target=t, daemon=True) for t in (storms, sleepers, fixtures, fixtures, reap)]
    threads.append(threading.Thread(target=reloads, args=(daemon,), daemon=True))
    for t in threads: t.start()

    end = time.time() + args.minutes * 60
    checks = transient = outlived = 0
    examples = []
    stuck = []
    last_report = time.time()
    while time.time() < end and daemon.poll() is None:
        time.sleep(1)
        with lock:
            current = list(rules)
            first, idents1 = diff(current)
            checks += 1
            if first:
                transient += len(first)
                time.sleep(args.window)
                second, idents2 = diff(current)
                late = []
                for item in first & second:
                    pid = item[1]
                    # Same process with the same identity at both reads: the file was wrong all along.
                    if pid == 0 or (idents1.get(pid) is not None and idents1.get(pid) == idents2.get(pid)) \
                            or (item[2] == "extra" and pid not in idents1 and pid not in idents2):
                        outlived += 1
                        late.append(item)
                        if len(examples) < 20: examples.append((time.strftime("%H:%M:%S"), item, idents2.get(pid)))
                if late:
                    # Late or stuck? A file still wrong 5 s later, same process, is stuck (a bug, not load).
                    time.sleep(5)
                    third, idents3 = diff(current)
                    for item in late:
                        pid = item[1]
                        if item in third and idents3.get(pid) == idents2.get(pid):
                            stuck.append((time.strftime("%H:%M:%S"), item, idents3.get(pid)))
        if time.time() - last_report >= 60:
            last_report = time.time()
            print(f"{time.strftime('%H:%M:%S')} checks={checks} transient={transient} outlived={outlived} "
                  f"stuck={len(stuck)} load={os.getloadavg()[0]:.1f} {counts}", flush=True)

    stop.set()
    alive = daemon.poll() is None
    if alive:
        daemon.send_signal(signal.SIGUSR1)
        time.sleep(1)
    stats = {}
    for line in open(WORK + "/uprocd.log"):
        if "statistics" in line:
            stats = dict(re.findall(r"(\w+)=(\S+)", line))
    warnings = [l.strip() for l in open(WORK + "/uprocd.log") if "drifted" in l or " error" in l.lower()]
    if alive:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(10)
    for p in children:
        if p.poll() is None:
            p.kill()
    for p in children:
        try: p.wait(5)
        except Exception: pass
    for pid in grandchildren:
        try: os.kill(pid, signal.SIGKILL); os.waitpid(pid, 0)
        except OSError: pass

    print("--- soak summary ---")
    print(f"minutes={args.minutes} window_s={args.window} daemon_alive_at_end={alive}")
    print(f"checks={checks} transient_mismatches={transient} outlived_window={outlived} stuck_after_5s={len(stuck)}")
    print("load:", counts)
    keys = ["events", "overruns", "receive_errors", "rescans", "scan_failures", "publishes", "publish_failures",
            "proc_reads", "proc_read_failures", "audits", "drift", "inheritance_checks", "inheritance_corrections",
            "leader_exits", "cpu_ns", "pauses"]
    print("daemon:", " ".join(f"{k}={stats.get(k, '?')}" for k in keys))
    for e in examples: print("outlived:", e)
    for e in stuck[:20]: print("stuck:", e)
    for w in warnings[:20]: print("log:", w)
    sys.exit(0 if outlived == 0 and alive else 1)

main()
