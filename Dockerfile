# The Peko Ledger service. Build from the repository root: docker build -t peko-ledger .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Peko.Ledger.Api -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Urls=http://0.0.0.0:8080 \
    Peko__LogFormat=json
EXPOSE 8080
USER app
ENTRYPOINT ["dotnet", "Peko.Ledger.Api.dll"]
