"""What the jobs app announces, so that apps built on it (flows) act on jobs without jobs importing them."""

from django.dispatch import Signal

# Sent by `complete_job` inside the transaction that completes the job, with `job` (the completed
# job): what receivers write commits or rolls back with the completion.
job_completed = Signal()
