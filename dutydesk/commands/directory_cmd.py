import typer
app = typer.Typer()
units = typer.Typer()
people = typer.Typer()
def serve(): pass
