"""Creates the old stack's tables in a fresh database, adds USERS users with their settings and
prints one user's access token (HS256, 1 day), as its login would have issued it.

Usage: OLD_STACK_DATABASE_URL=postgresql+asyncpg://... OLD_STACK_JWT_SECRET=... \
       /usr/bin/python3 -m old_stack.seed [USERS]     (run from bench/)
"""
import asyncio
import os
import sys
import time
import uuid

import jwt
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

from .models import Base, User, UserSettings

# A real Argon2id PHC string's length; the old service's hashes are never checked here.
FAKE_HASH = "$argon2id$v=19$m=19456,t=2,p=1$" + "A" * 22 + "$" + "B" * 43


async def seed(count: int) -> str:
    engine = create_async_engine(os.environ["OLD_STACK_DATABASE_URL"])
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    ids = [uuid.uuid4() for _ in range(count)]
    async with sessionmaker(engine, class_=AsyncSession)() as session:
        session.add_all(User(id=i, email=f"user{n}@example.com", name=f"User {n}",
                             password_hash=FAKE_HASH) for n, i in enumerate(ids))
        await session.flush()
        session.add_all(UserSettings(user_id=i) for i in ids)
        await session.commit()
    async with engine.begin() as conn:
        await conn.exec_driver_sql("ANALYZE")
    await engine.dispose()
    now = int(time.time())
    user = ids[count // 2]
    return jwt.encode({"sub": str(user), "type": "access", "jti": str(uuid.uuid4()), "iat": now,
                       "exp": now + 86400}, os.environ["OLD_STACK_JWT_SECRET"], algorithm="HS256")


if __name__ == "__main__":
    print(asyncio.run(seed(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)))
