"""GET /api/v1/users/get-profile as the old ObjectVision Backend serves it (research/peers.md
§1.1): FastAPI, a bearer JWT verified with HS256 (PyJWT), the user looked up by id and then its
settings, through SQLAlchemy's async ORM over asyncpg, a Pydantic response model. No cache.
(The old code also asked Redis whether the token was blacklisted; that round trip is left out,
which flatters this stack.)

Run: OLD_STACK_DATABASE_URL=postgresql+asyncpg://... OLD_STACK_JWT_SECRET=... \
     /usr/bin/python3 -m uvicorn --app-dir bench old_stack.app:app --workers 2 --port PORT
"""
import datetime
import os
import uuid

import jwt
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

from .models import User, UserSettings

DATABASE_URL = os.environ["OLD_STACK_DATABASE_URL"]
JWT_SECRET = os.environ["OLD_STACK_JWT_SECRET"]
JWT_ALGORITHM = "HS256"

engine = create_async_engine(DATABASE_URL)  # the default pool: 5 connections + 10 overflow
SessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
bearer = HTTPBearer()

app = FastAPI(title="ObjectVision Backend (benchmark rebuild)")


class SettingsOut(BaseModel):
    theme: str
    notifications: bool
    has_api_key: bool


class ProfileOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    is_active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    settings: SettingsOut


async def get_db():
    async with SessionLocal() as session:
        yield session


async def get_current_user(credentials: HTTPAuthorizationCredentials = Depends(bearer),
                           db: AsyncSession = Depends(get_db)) -> User:
    unauthorized = HTTPException(status_code=status.HTTP_401_UNAUTHORIZED,
                                 detail="Could not validate credentials",
                                 headers={"WWW-Authenticate": "Bearer"})
    try:
        claims = jwt.decode(credentials.credentials, JWT_SECRET, algorithms=[JWT_ALGORITHM],
                            options={"require": ["exp", "sub"]})
        if claims.get("type") != "access":
            raise unauthorized
        user_id = uuid.UUID(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        raise unauthorized from None
    result = await db.execute(select(User).where(User.id == user_id))
    user = result.scalars().first()
    if user is None:
        raise unauthorized
    if not user.is_active:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Inactive user")
    return user


@app.get("/api/v1/users/get-profile", response_model=ProfileOut)
async def get_profile(user: User = Depends(get_current_user), db: AsyncSession = Depends(get_db)):
    result = await db.execute(select(UserSettings).where(UserSettings.user_id == user.id))
    settings = result.scalars().first()
    return ProfileOut(
        id=user.id, email=user.email, name=user.name, role=user.role, is_active=user.is_active,
        created_at=user.created_at, updated_at=user.updated_at,
        settings=SettingsOut(theme=settings.theme if settings else "system",
                             notifications=settings.notifications if settings else True,
                             has_api_key=bool(settings and settings.api_key_hash)))


@app.get("/health")
async def health():
    return {"status": "ok"}
