"""The Trainings section: courses, participants, attendance, certificates."""
