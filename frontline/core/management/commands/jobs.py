"""``frontline jobs list`` / ``frontline jobs run NAME [--here]``: the scheduled jobs."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from frontline.core.access import system_actor
from frontline.core.queue import scheduled_jobs


class Command(BaseCommand):
    help = "List the scheduled jobs, or run one now (queued for the worker, or --here in this process)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        sub.add_parser("list", help="what runs when, the last and next run")
        run = sub.add_parser("run", help="run a job now")
        run.add_argument("name")
        run.add_argument("--here", action="store_true", help="run it in this process instead of queueing it")

    def handle(self, *args, what, **options):
        jobs = scheduled_jobs()
        if what == "list":
            for name in sorted(jobs):
                job = jobs[name]
                last = job.last_run()
                nxt = job.next_run()
                last_text = (f"{last.state} {timezone.localtime(last.finished_at or last.created_at):%Y-%m-%d %H:%M}"
                             if last else "never")
                if last and last.state == "failed":
                    last_text += f" ({last.error[:120]})"
                self.stdout.write(f"{name:40} {job.schedule:16} next {nxt:%Y-%m-%d %H:%M}  last {last_text}  — {job.label}")
            return
        name = options["name"]
        job = jobs.get(name)
        if job is None:
            raise CommandError(f"no scheduled job {name!r}; one of: {', '.join(sorted(jobs))}")
        actor = system_actor(f"cli:jobs:{name}")
        task = job.frontline_task()
        if options["here"]:
            run = task.run_here(actor=actor)
        else:
            run = task.run_now(actor=actor)
        self.stdout.write(f"{name}: run {run.pk} {run.state}" + (f" {run.result}" if run.result else "")
                          + (f" error: {run.error}" if run.state == "failed" else ""))
        if run.state == "failed":
            raise CommandError(f"{name} failed")
