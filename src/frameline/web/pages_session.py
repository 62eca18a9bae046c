"""Signing in and out, and each user's own API tokens."""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from frameline.web import auth
from frameline.web.app import RowId, context, render, secure_cookie
from frameline.web.auth import Principal, check_csrf, require

router = APIRouter(include_in_schema=False)
viewer = require("viewer")


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/"):
    if auth.optional_principal(request) is not None:
        return RedirectResponse(_safe_next(next), 303)
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", login_csrf=token, next=_safe_next(next), error=None)
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookie(request), path="/login")
    return response


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form(""),
          next: str = Form("/")):
    web = context(request)
    client = request.client.host if request.client else "?"
    cookie = request.cookies.get(auth.LOGIN_CSRF_COOKIE, "")
    error, status = None, 200
    if not cookie or not hmac.compare_digest(cookie, csrf_token):
        error, status = "The sign-in form expired; please try again.", 403
    elif web.limiter.blocked(client, username):
        error, status = "Too many failed attempts; wait a few minutes before trying again.", 429
        web.store.audit(username[:128] or "?", "login-blocked", client)
    else:
        user = web.accounts.authenticate(username, password)
        if user is not None:
            web.limiter.succeeded(client, username)
            token, _ = web.accounts.open_session(user)
            web.store.audit(user.username, "login", client)
            response = RedirectResponse(_safe_next(next), 303)
            response.set_cookie(auth.SESSION_COOKIE, token, httponly=True, samesite="lax",
                                secure=secure_cookie(request), path="/")
            response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/login")
            return response
        web.limiter.failed(client, username)
        web.store.audit(username[:128] or "?", "login-failed", client)
        error, status = "Wrong username or password, or the account is disabled.", 401
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", status_code=status, login_csrf=token, next=_safe_next(next),
                      error=error)
    response.set_cookie(auth.LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookie(request), path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: str = Form(""), who: Principal = Depends(viewer)):
    check_csrf(who, csrf_token)
    if who.token_hash:
        context(request).accounts.close_session(who.token_hash)
    context(request).store.audit(who.name, "logout")
    response = RedirectResponse("/login", 303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, who: Principal = Depends(viewer)):
    return render(request, "account.html", tokens=context(request).accounts.list_api_tokens(who.user), new_token=None)


@router.post("/account/tokens", response_class=HTMLResponse)
def create_token(request: Request, name: str = Form("token"), csrf_token: str = Form(""),
                 who: Principal = Depends(viewer)):
    check_csrf(who, csrf_token)
    web = context(request)
    token = web.accounts.create_api_token(who.user, name.strip()[:128] or "token")
    web.store.audit(who.name, "api-token-created", name[:128])
    return render(request, "account.html", tokens=web.accounts.list_api_tokens(who.user), new_token=token)


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: RowId, csrf_token: str = Form(""), who: Principal = Depends(viewer)):
    check_csrf(who, csrf_token)
    web = context(request)
    if web.accounts.revoke_api_token(who.user, token_id):
        web.store.audit(who.name, "api-token-revoked", str(token_id))
    return RedirectResponse("/account", 303)
