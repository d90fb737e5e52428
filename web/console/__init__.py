"""Server-rendered console (zh-CN first): one folder (or module) per feature, the shell (render, nav, i18n, forms,
dashboard) beside them; routes.py gathers the pages' routers."""
