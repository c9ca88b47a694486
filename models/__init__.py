"""The school's data: Peewee models, the rules of the regulations, the database binding.

Nothing here imports Flask or Pelican; the panel, the CLI and the builder share it.
"""
from .activity import LoginRecord
from .archive import ArchiveFile
from .audit import AuditEntry, acting_as
from .base import BaseModel, RuleError, db
from .calendar import DayTransfer, Reopening
from .classes import Movement, SchoolClass, Subgroup, SubgroupMember
from .curriculum import Subject, WorkType
from .diary import DiaryAccess
from .journal import Attendance, Lesson, LessonWork, Mark, PeriodMark, TeacherComment
from .logins import LoginThrottle
from .news import News
from .paper import SheetReturn
from .people import Guardian, Staff, Student, StudentGuardian
from .school import AcademicYear, Bell, Holiday, Period, SchoolSettings
from .timetable import PlanTopic, TeachingAssignment, TimetableSlot

# In order of dependency, for creating and dropping tables.
ALL_MODELS = [
    SchoolSettings, AcademicYear, Period, Holiday, DayTransfer, Bell,
    Staff, LoginThrottle, LoginRecord, Student, Guardian, StudentGuardian,
    Subject, WorkType,
    SchoolClass, Movement, Subgroup, SubgroupMember,
    TeachingAssignment, PlanTopic, TimetableSlot,
    Lesson, LessonWork, Mark, Attendance, TeacherComment, PeriodMark, Reopening,
    News, DiaryAccess, SheetReturn, ArchiveFile, AuditEntry,
]

__all__ = [m.__name__ for m in ALL_MODELS] + [
    "ALL_MODELS", "BaseModel", "RuleError", "db", "acting_as"]
