"""The notification centre (a user's own notifications only); the old address of the monthly spot-check lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import RedirectView

from dangjian.core.views import paged

from . import services
from .context import forget_unread
from .models import Notification


class NotificationListView(LoginRequiredMixin, View):
    def get(self, request):
        own = Notification.objects.filter(user=request.user)
        ordered = own.order_by(F("read_at").asc(nulls_first=True), "-created_at", "-id")
        listed = paged(request, ordered)
        return render(
            request,
            "cadence/list.html",
            listed | {"notifications": listed["page"].object_list, "unread": own.filter(read_at__isnull=True).count()},
        )


class NotificationReadView(LoginRequiredMixin, View):
    """POST: mark one read, then go to what it is about (or back to the list)."""

    def post(self, request, pk):
        notification = services.get_notification_for_user(request.user, pk)
        services.mark_read(notification)
        forget_unread(request)
        target = notification.url if request.POST.get("open") else ""
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            return redirect(target)
        return redirect("cadence:list")


class NotificationReadAllView(LoginRequiredMixin, View):
    def post(self, request):
        count = services.mark_all_read(request.user)
        forget_unread(request)
        messages.success(request, f"已将 {count} 条通知标为已读。" if count else "没有未读通知。")
        return redirect("cadence:list")


class SpotCheckListView(LoginRequiredMixin, RedirectView):
    """The monthly spot-check lists moved to the inspections app (provable draws); old links still lead there."""

    pattern_name = "inspections:spot_checks"
    query_string = True
