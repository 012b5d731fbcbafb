"""Signing in through the login page, as a person does: one helper for the browser tests."""


def sign_in(page, live_server, username, password):
    """Sign `page` in as `username` through the login page; it ends on the home page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def signed_in(browser, live_server, username, password, *, viewport=None, timeout=15_000, **context):
    """A new browser context (Chinese, 1280×900 unless `viewport` says otherwise) signed in as `username`, on the
    home page; `timeout` (ms) for every wait of its page."""
    context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900}, **context)
    page = context.new_page()
    page.set_default_timeout(timeout)
    sign_in(page, live_server, username, password)
    return page
