"""The agency directory: who works where, in which role, and who manages or deputises for them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))

    people: Mapped[list[Person]] = relationship(back_populates="agency")


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    role: Mapped[str] = mapped_column(String(60), index=True)
    job_title: Mapped[str] = mapped_column(String(200))
    line_manager_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    absent_until: Mapped[date | None] = mapped_column(Date)

    agency: Mapped[Agency] = relationship(back_populates="people")
    line_manager: Mapped[Person | None] = relationship(
        remote_side="Person.id", foreign_keys=[line_manager_id]
    )
    deputy: Mapped[Person | None] = relationship(remote_side="Person.id", foreign_keys=[deputy_id])

    def is_absent_on(self, day: date) -> bool:
        return self.absent_until is not None and day <= self.absent_until

    @property
    def described(self) -> str:
        """'Sam Patel, Head of Service, Northshire Police' — how people recognise each other."""
        return f"{self.name}, {self.job_title}, {self.agency.name}"
