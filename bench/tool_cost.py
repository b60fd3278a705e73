"""``python -m bench.tool_cost [--sessions 30 120] [--seconds 60]``: what the load tool itself costs,
Locust against plain asyncio, each holding the same sessions doing the same things.

Starts one server, then for each count of sessions runs each tool in a process of its own (Locust
patches the standard library with gevent on import): half the sessions change the playground's
settings, half switch feature-map layers, 1-5 s apart, for ``--seconds``. Both use the same protocol
code (:class:`bench.streamlit_client.Page`); Locust with a custom ``User`` over ``websocket-client``
and its own stats, asyncio over ``websockets``. Prints each tool's CPU share of one core and its CPU
time per action. Needs ``pip install locust websocket-client`` (not in requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time

SECONDS = 60


def asyncio_tool(url: str, sessions: int, seconds: float) -> dict:
    import asyncio

    from bench.load import Tally, changing_visitor
    from bench.students import FeatureMapStudent, PlaygroundStudent

    async def main() -> dict:
        tally = Tally()
        students = [(PlaygroundStudent if n % 2 == 0 else FeatureMapStudent)(random.Random(n)) for n in range(sessions)]
        cpu, wall = time.process_time(), time.perf_counter()
        deadline = time.monotonic() + seconds
        await asyncio.gather(*(changing_visitor(s, url, deadline, tally) for s in students))
        return measured(cpu, wall, sum(len(v) for k, v in tally.actions.items() if not k.endswith("open")))

    return asyncio.run(main())


def locust_tool(url: str, sessions: int, seconds: float) -> dict:
    import gevent
    import websocket
    from locust import User, between, task
    from locust.env import Environment

    from bench.streamlit_client import FINISHED, Page, Run
    from bench.students import FeatureMapStudent, PlaygroundStudent

    actions = []

    class Student(User):
        abstract, wait_time, host = True, between(1, 5), url
        kind = PlaygroundStudent

        def on_start(self) -> None:
            self.student = self.kind(random.Random(id(self)))
            self.page = Page()
            stream = "ws" + url.removeprefix("http") + "/_stcore/stream"
            self.ws = websocket.create_connection(stream, subprotocols=["streamlit"])
            self.fetched = set()
            self.request(self.page.rerun(page_name=self.student.page))

        def on_stop(self) -> None:
            self.ws.close()

        def request(self, request: bytes) -> Run:
            run = Run(time.perf_counter())
            self.ws.send_binary(request)
            while True:
                msg = self.page.receive(self.ws.recv())
                run.messages.append(msg)
                run.arrivals.append(time.perf_counter())
                if msg.WhichOneof("type") == "script_finished" and msg.script_finished in FINISHED:
                    break
            for path in set(run.media_urls()) - self.fetched:  # pictures, as a browser loads them
                self.fetched.add(path)
                self.client_get(path)
            return run

        def client_get(self, path: str) -> None:
            import urllib.request

            with urllib.request.urlopen(url + path, timeout=60) as response:
                response.read()

        @task
        def change(self) -> None:
            run = self.request(self.page.set(*self.student.next_change()))
            wrong = self.student.wrong(run)
            self.environment.events.request.fire(
                request_type="WS",
                name=self.student.kind,
                response_time=run.seconds * 1000,
                response_length=sum(m.ByteSize() for m in run.messages),
                exception=RuntimeError(wrong) if wrong else None,
                context={},
            )
            actions.append(run.seconds)

    class Playground(Student):
        kind, fixed_count = PlaygroundStudent, (sessions + 1) // 2

    class Layers(Student):
        kind, fixed_count = FeatureMapStudent, sessions // 2

    env = Environment(user_classes=[Playground, Layers])
    runner = env.create_local_runner()
    cpu, wall = time.process_time(), time.perf_counter()
    runner.start(sessions, spawn_rate=sessions)
    gevent.sleep(seconds)
    runner.quit()
    return measured(cpu, wall, len(actions))


def measured(cpu: float, wall: float, actions: int) -> dict:
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {"share": cpu / wall, "cpu": cpu, "wall": wall, "actions": actions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tool_cost", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[30, 120])
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--one", nargs=2, metavar=("TOOL", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # a child process: one tool, one count
        tool, url = args.one
        result = (locust_tool if tool == "locust" else asyncio_tool)(url, args.sessions[0], args.seconds)
        print(json.dumps(result))
        return 0
    from bench.pages import serve

    with serve() as (url, _):
        for sessions in args.sessions:
            for tool in ("asyncio", "locust"):
                command = [sys.executable, "-m", "bench.tool_cost", "--one", tool, url]
                command += ["--sessions", str(sessions), "--seconds", str(args.seconds)]
                out = subprocess.run(command, capture_output=True, text=True, timeout=args.seconds + 300)
                if out.returncode:
                    print(out.stderr[-3000:])
                    return 1
                r = json.loads(out.stdout.strip().splitlines()[-1])
                print(
                    f"{sessions} sessions, {tool}: {100 * r['share']:.1f} % of a core ({r['cpu']:.2f} s of CPU in "
                    f"{r['wall']:.0f} s), {r['actions']} actions, {1000 * r['cpu'] / max(1, r['actions']):.1f} ms "
                    "of CPU an action",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
