import typer
app = typer.Typer()
def serve(): pass
