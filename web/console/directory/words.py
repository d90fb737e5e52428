"""Console wording of the directory pages: message id -> (zh-CN, English)."""

WORDS: dict[str, tuple[str, str]] = {
    "io.title.units": ("导入单位", "Import units"),
    "io.title.people": ("导入人员", "Import people"),
    "io.dry_run": ("仅检查，不写入", "Check only"),
    "io.dry_run_ok": ("检查通过，未写入任何数据", "File checked: nothing was written"),
    "io.done": ("导入完成", "Import done"),
    "io.failed": ("文件有错误，未导入任何数据。请按下表修改后重新导入。",
                  "The file has errors: nothing was imported. Fix the rows below and import again."),
    "io.rows": ("数据行", "Rows"),
    "io.created": ("新增", "Created"),
    "io.updated": ("更新", "Updated"),
    "io.unchanged": ("无变化", "Unchanged"),
    "io.row": ("行号", "Row"),
    "io.column": ("列", "Column"),
    "io.value": ("内容", "Value"),
    "io.reason": ("原因", "Reason"),
    "io.back": ("返回", "Back"),
}
